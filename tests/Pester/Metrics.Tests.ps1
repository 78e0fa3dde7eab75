BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $RepoRoot 'tests/lab/SentinelMetricsLab.psm1')
    $lab = Start-SentinelLab
    $stack = $null
    $stack = Start-SentinelMetricsLab -Root (Join-Path $TestDrive 'monitoring')
    $credential = Get-SentinelLabCredential -Lab $lab
    $target = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; KnownHostsFile = (Join-Path $TestDrive 'known_hosts'); Credential = $credential; ProgressAction = 'SilentlyContinue' }
    # The restart budgets live beside the inventory: this file gets its own.
    $env:SENTINEL_SERVERS = Join-Path $TestDrive 'servers.json'
    $stopped = "sentinel-metrics-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
    # A SysV service that stays stopped (its start does nothing): one service up, one down.
    Set-Content -Path "/etc/init.d/$stopped" -Value "#!/bin/sh`n### BEGIN INIT INFO`n# Provides: $stopped`n### END INIT INFO`ncase `"`$1`" in status) exit 3;; *) exit 0;; esac"
    & chmod 755 "/etc/init.d/$stopped"

    function Wait-Series {
        # Polls Prometheus until the query answers $Count series (the scrape every second brings them).
        param([string]$Query, [int]$Count = 1)
        $script:answer = @()
        Wait-Until { $script:answer = Invoke-PrometheusQuery -Lab $stack -Query $Query; $script:answer.Count -eq $Count } -TimeoutSeconds 60 | Should -BeTrue -Because "Prometheus should answer $Query"
        $script:answer
    }
}

AfterAll {
    Stop-SentinelMetricsLab -Lab $stack
    Remove-Item "/etc/init.d/$stopped" -ErrorAction SilentlyContinue
    $env:SENTINEL_SERVERS = $null
    Stop-SentinelLab -Lab $lab
}

Describe 'Watch-SentinelService -MetricsPath, read by node_exporter and Prometheus' {
    It 'a watch round writes sentinel_service_up per host and service, and Prometheus answers for it with the labels and values' {
        $file = Join-Path $stack.TextfileDirectory 'sentinel-watch.prom'
        $changes = Watch-SentinelService nginx, $stopped @target -Count 1 -Interval 0.05 -MetricsPath $file
        $changes.Count | Should -Be 2
        $file | Should -Exist
        (& stat -c '%a' $file) | Should -Be '644' -Because 'node_exporter usually runs as another user'
        @(Get-ChildItem $stack.TextfileDirectory -Force).Name | Should -Be 'sentinel-watch.prom' -Because 'the temporary file was renamed, none is left'

        $up = Wait-Series -Query "sentinel_service_up{host=`"$($lab.ComputerName)`"}" -Count 2
        $nginx = $up | Where-Object { $_.metric.service -eq 'nginx' }
        $nginx.metric.host | Should -Be $lab.ComputerName
        $nginx.metric.job | Should -Be 'sentinel-lab' -Because 'it came through the scrape of node_exporter'
        $nginx.value[1] | Should -Be '1'
        ($up | Where-Object { $_.metric.service -eq $stopped }).value[1] | Should -Be '0'

        (Wait-Series -Query 'sentinel_breaker_tripped').value[1] | Should -Be '0'
        [double](Wait-Series -Query 'sentinel_watch_round_duration_seconds').value[1] | Should -BeGreaterThan 0
        (Wait-Series -Query "sentinel_restart_budget_remaining{service=`"nginx`"}").value[1] | Should -Be '3'
        $changed = [double](Wait-Series -Query "sentinel_service_last_change_timestamp_seconds{service=`"nginx`"}").value[1]
        $changed | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(-10).ToUnixTimeSeconds())
        Remove-Item $file
    }
}

Describe 'a hostile host name in the metrics file' {
    It 'stays inside its label: node_exporter reads the file without error and Prometheus gives the name back whole' {
        $hostile = "evil`"} 1`nsentinel_breaker_tripped{x=`"\`"} 1"
        $file = Join-Path $stack.TextfileDirectory 'sentinel-hostile.prom'
        $null = Watch-SentinelService nginx -ComputerName $hostile -ConnectTimeout 2 -Count 1 -Interval 0.05 -MetricsPath $file -ErrorAction SilentlyContinue
        $series = Wait-Series -Query 'sentinel_service_up{host=~"(?s)evil.*"}'
        $series.metric.host | Should -BeExactly $hostile
        $series.value[1] | Should -Be '0' -Because 'a host that cannot be asked is not up'
        (Wait-Series -Query 'node_textfile_scrape_error').value[1] | Should -Be '0' -Because 'the file parses'
        @(Invoke-PrometheusQuery -Lab $stack -Query 'sentinel_breaker_tripped{x!=""}').Count | Should -Be 0 -Because 'the name injected no series'
        Remove-Item $file
    }
}

Describe 'Repair- and Restart-SentinelService -MetricsPath' {
    It 'Repair-SentinelService writes its results: the repair it made counted, the budget it used' {
        $service = "sentinel-metrics-repair-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $marker = "/run/$service.up"
        Set-Content -Path "/etc/init.d/$service" -Value "#!/bin/sh`n### BEGIN INIT INFO`n# Provides: $service`n### END INIT INFO`ncase `"`$1`" in start|restart) touch $marker;; stop) rm -f $marker;; status) [ -f $marker ] || exit 3;; esac"
        & chmod 755 "/etc/init.d/$service"
        try {
            $file = Join-Path $stack.TextfileDirectory 'sentinel-repair.prom'
            $result = Repair-SentinelService $service @target -SettleSeconds 0 -MetricsPath $file
            $result.Action | Should -Be 'Started'
            $text = Get-Content $file -Raw
            $text | Should -Match "(?m)^sentinel_service_repairs_total\{host=`"$([regex]::Escape($lab.ComputerName))`",service=`"$service`"\} 1$"
            $text | Should -Match "(?m)^sentinel_service_up\{host=`"[^`"]+`",service=`"$service`"\} 1$"
            $text | Should -Match "(?m)^sentinel_restart_budget_remaining\{host=`"[^`"]+`",service=`"$service`"\} 2$"
            $text | Should -Match '(?m)^sentinel_breaker_tripped 0$'
            (Wait-Series -Query "sentinel_service_repairs_total{service=`"$service`"}").value[1] | Should -Be '1'
        }
        finally {
            Remove-Item "/etc/init.d/$service", $marker, (Join-Path $stack.TextfileDirectory 'sentinel-repair.prom') -ErrorAction SilentlyContinue
        }
    }

    It 'Restart-SentinelService writes the state it left each service in' {
        $file = Join-Path $stack.TextfileDirectory 'sentinel-restart.prom'
        $result = Restart-SentinelService $stopped @target -Timeout 2 -MetricsPath $file -ErrorAction SilentlyContinue
        $result.StateAfter | Should -Be 'Stopped' -Because 'its start does nothing, so it never comes up'
        (Get-Content $file -Raw) | Should -Match "(?m)^sentinel_service_up\{host=`"[^`"]+`",service=`"$stopped`"\} 0$"
        Remove-Item $file
    }

    It 'a folder that cannot be written is a MetricsWriteFailed error, and the watch still reports' {
        $blocker = Join-Path $TestDrive 'not-a-folder'
        Set-Content -Path $blocker -Value ''
        $changes = Watch-SentinelService nginx @target -Count 1 -Interval 0.05 -MetricsPath (Join-Path $blocker 'x.prom') -ErrorVariable failures -ErrorAction SilentlyContinue
        $changes.Count | Should -Be 1
        @($failures).Count | Should -Be 1 -Because 'reported once, not at every write'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.MetricsWriteFailed*'
    }
}
