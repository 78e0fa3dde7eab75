<#
.SYNOPSIS
Captures the systemd and docker outputs in tests/fixtures from the real lab (as root).

.DESCRIPTION
Starts the lab's systemd host and Docker engine, runs the exact commands Sentinel runs (the systemd
ones inside the host, the docker ones with each CLI), writes their stdout to tests/fixtures, and stops
the lab. Run it again when Sentinel's commands change: dotnet pwsh tests/lab/Save-LabFixtures.ps1
#>
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'SentinelRealLab.psm1') -Force

$fixtures = Join-Path $PSScriptRoot '../fixtures'

function Save-Fixture {
    param([string]$Name, [string[]]$Lines)
    [System.IO.File]::WriteAllText((Join-Path $fixtures $Name), (($Lines -join "`n") + "`n"))
}

$systemd = $null
$engine = $null
try {
    $systemd = Start-SentinelSystemdHost
    $units = @{ nginx = 'nginx'; 'sentinel-failing' = 'sentinel-failing'; 'sentinel-idle' = 'sentinel-idle'; 'not-found' = 'no-such-unit' }
    foreach ($fixture in $units.Keys) {
        $show = "TZ=UTC systemctl show -p Id,LoadState,ActiveState,SubState,MainPID,ActiveEnterTimestamp -- $($units[$fixture])"
        Save-Fixture "systemctl-show.$fixture.captured.txt" @(Invoke-SentinelSystemdHostCommand $systemd @('sh', '-c', $show))
    }

    $engine = Start-SentinelDockerEngine
    $env:DOCKER_HOST = "unix://$($engine.DockerSocket)"
    $clis = @{ 'engine-cli' = '/usr/bin/docker' }
    if (Test-Path /usr/local/bin/docker) { $clis['newer-cli'] = '/usr/local/bin/docker' }
    foreach ($cli in $clis.Keys) {
        Save-Fixture "docker-ps.$cli.captured.jsonl" @(& $clis[$cli] ps --all --no-trunc --format '{{json .}}' 2>$null)
    }
    Save-Fixture 'docker-inspect-state.ticker.captured.json' @(& /usr/bin/docker inspect --format '{{json .State}}' -- ticker)
}
finally {
    Remove-Item Env:DOCKER_HOST -ErrorAction SilentlyContinue
    if ($engine) { Stop-SentinelRealLab -Instance $engine }
    if ($systemd) { Stop-SentinelRealLab -Instance $systemd }
}
