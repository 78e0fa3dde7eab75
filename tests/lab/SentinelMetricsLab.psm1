# The monitoring stack of the lab: Debian's prometheus-node-exporter reading a textfile directory, and
# Debian's prometheus scraping it every second, both on free loopback ports with their own folders,
# started per test file and stopped by PID. The packages are in SentinelLab.psm1's list.

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module (Join-Path $PSScriptRoot 'SentinelLab.psm1')

function Start-SentinelMetricsLab {
    <#
    Starts node_exporter with only the textfile collector on <Root>/textfile, and prometheus scraping
    it every second with its storage under <Root>/data. Returns the folders, ports, PIDs and the URL of
    Prometheus's HTTP API. Stop it with Stop-SentinelMetricsLab, also when a test fails.
    #>
    param([Parameter(Mandatory)][string]$Root)
    Install-SentinelLabPrerequisites
    $textfile = Join-Path $Root 'textfile'
    $data = Join-Path $Root 'data'
    New-Item -ItemType Directory -Path $textfile, $data -Force | Out-Null
    $lab = [pscustomobject]@{
        TextfileDirectory = $textfile
        ExporterPort      = Get-FreeTcpPort
        PrometheusPort    = Get-FreeTcpPort
        ExporterPid       = $null
        PrometheusPid     = $null
        PrometheusUrl     = $null
        LogPath           = Join-Path $Root 'stack.log'
    }
    $lab.PrometheusUrl = "http://127.0.0.1:$($lab.PrometheusPort)"
    try {
        $exporter = Start-Process -FilePath /usr/bin/prometheus-node-exporter -PassThru `
            -RedirectStandardError (Join-Path $Root 'node-exporter.log') -RedirectStandardOutput (Join-Path $Root 'node-exporter.out') -ArgumentList @(
            "--web.listen-address=127.0.0.1:$($lab.ExporterPort)",
            '--collector.disable-defaults',
            '--collector.textfile',
            "--collector.textfile.directory=$textfile")
        $lab.ExporterPid = $exporter.Id
        Wait-TcpListening -Port $lab.ExporterPort

        $config = Join-Path $Root 'prometheus.yml'
        Set-Content -Path $config -Value @"
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sentinel-lab
    static_configs:
      - targets: ['127.0.0.1:$($lab.ExporterPort)']
"@
        Invoke-Native /usr/bin/promtool @('check', 'config', $config) | Out-Null
        $prometheus = Start-Process -FilePath /usr/bin/prometheus -PassThru `
            -RedirectStandardError (Join-Path $Root 'prometheus.log') -RedirectStandardOutput (Join-Path $Root 'prometheus.out') -ArgumentList @(
            "--config.file=$config",
            "--storage.tsdb.path=$data",
            "--web.listen-address=127.0.0.1:$($lab.PrometheusPort)")
        $lab.PrometheusPid = $prometheus.Id
        Wait-TcpListening -Port $lab.PrometheusPort -TimeoutSeconds 30
    }
    catch {
        Stop-SentinelMetricsLab -Lab $lab
        throw
    }
    $lab
}

function Stop-SentinelMetricsLab {
    <# Stops prometheus and node_exporter by the PIDs Start-SentinelMetricsLab recorded. #>
    param($Lab)
    if (-not $Lab) { return }
    foreach ($processId in @($Lab.PrometheusPid, $Lab.ExporterPid) | Where-Object { $_ }) {
        & kill -TERM $processId 2>$null
        Wait-ProcessExit -ProcessId $processId | Out-Null
    }
}

function Invoke-PrometheusQuery {
    <# The result vector of an instant query through Prometheus's HTTP API (/api/v1/query). #>
    param([Parameter(Mandatory)]$Lab, [Parameter(Mandatory)][string]$Query)
    $answer = Invoke-RestMethod -Uri "$($Lab.PrometheusUrl)/api/v1/query" -Method Post -Body @{ query = $Query }
    if ($answer.status -ne 'success') { throw "Prometheus refused '$Query': $($answer | ConvertTo-Json -Depth 5)" }
    @($answer.data.result)
}

Export-ModuleMember -Function Start-SentinelMetricsLab, Stop-SentinelMetricsLab, Invoke-PrometheusQuery
