BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $fleet = Start-SentinelLabFleet -Count 50
    $key = $fleet.Labs[0].KeyPath
    $common = @{ Port = $fleet.Port; KeyFile = $key; KnownHostsFile = (Join-Path $TestDrive 'known_hosts'); ProgressAction = 'SilentlyContinue' }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLabFleet -Fleet $fleet
}

Describe 'Fan-out over many hosts' {
    It 'runs a command on 50 loopback hosts and returns 50 results, each from its own host' {
        # A generous ceiling: 50 post-quantum handshakes share two cores with whatever else the machine runs.
        $results = Invoke-SentinelCommand 'echo $SSH_CONNECTION' -ComputerName $fleet.Addresses @common -ConnectTimeout 60
        @($results).Count | Should -Be 50
        ($results.ComputerName | Sort-Object -Unique).Count | Should -Be 50
        foreach ($result in $results) {
            ($result.Output.Trim() -split ' ')[2] | Should -Be $result.ComputerName -Because 'SSH_CONNECTION names the server address that answered'
        }
    }

    It 'gives 49 results and one timeout error when one host never speaks, within ConnectTimeout + a few seconds' {
        $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Parse('127.0.0.52'), $fleet.Port)
        $silent.Start()
        try {
            $hosts = @($fleet.Addresses[0..48]) + '127.0.0.52'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $results = Invoke-SentinelCommand 'hostname' -ComputerName $hosts @common -ConnectTimeout 10 -ErrorVariable failures -ErrorAction SilentlyContinue
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 20 -Because 'a dead host costs its timeout (10 s), not more; the others run beside it'
            @($results).Count | Should -Be 49
            $failures.Count | Should -Be 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ConnectionTimeout,*'
            $failures[0].TargetObject | Should -Be '127.0.0.52'
        }
        finally { $silent.Stop() }
    }

    It 'streams each host''s result as it completes, not all at the end' {
        $slow = $fleet.Addresses[0]
        $command = 'case "$SSH_CONNECTION" in *" ' + $slow + ' "*) sleep 378;; esac; echo done'
        $script = "Import-Module '$ModulePath'; Invoke-SentinelCommand '$($command.Replace("'", "''"))' -ComputerName $($fleet.Addresses[0..4] -join ',') -Port $($fleet.Port) -KeyFile '$key' -KnownHostsFile '$($common.KnownHostsFile)'"
        $background = Start-BackgroundPipeline -Script $script
        try {
            Wait-Until { $background.Output.Count -ge 4 -and (Get-RemoteProcess 'sleep 378') } | Should -BeTrue -Because 'four fast hosts report while the slow one still runs'
            # Index the collection: enumerating an open PSDataCollection waits for it to complete.
            $seen = for ($i = 0; $i -lt $background.Output.Count; $i++) { $background.Output[$i].ComputerName }
            $seen | Should -Not -Contain $slow
            Get-RemoteProcess 'sleep 378' | Should -Not -BeNullOrEmpty
        }
        finally { $background.Shell.Stop(); $background.Shell.Dispose() }
        Wait-Until { -not (Get-RemoteProcess 'sleep 378') } | Should -BeTrue
    }

    It 'limits how many hosts run at once with -ThrottleLimit' {
        # Each command marks itself running in a shared folder, holds a while, and reports how many
        # marks it saw: never more than the throttle allows.
        $running = Join-Path $TestDrive 'running'
        New-Item -ItemType Directory $running | Out-Null
        & chmod 777 $TestDrive $running
        $probe = "touch $running/`$`$; sleep 1; ls $running | wc -l; rm $running/`$`$"
        $results = Invoke-SentinelCommand $probe -ComputerName $fleet.Addresses[0..9] @common -ThrottleLimit 2
        @($results).Count | Should -Be 10
        ($results.Output | ForEach-Object { [int]$_ } | Measure-Object -Maximum).Maximum | Should -BeLessOrEqual 2
        $unthrottled = Invoke-SentinelCommand $probe -ComputerName $fleet.Addresses[0..9] @common -ThrottleLimit 10
        ($unthrottled.Output | ForEach-Object { [int]$_ } | Measure-Object -Maximum).Maximum | Should -BeGreaterThan 2 -Because 'the probe must be able to see more than two at once'
    }

    It 'shows done/total progress' {
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module '$ModulePath'; Invoke-SentinelCommand true -ComputerName $($fleet.Addresses[0..5] -join ',') -Port $($fleet.Port) -KeyFile '$key' -KnownHostsFile '$($common.KnownHostsFile)'")
            $shell.Invoke() | Out-Null
            $progress = @($shell.Streams.Progress)
            $progress.StatusDescription | Should -Contain '6 of 6 hosts'
            $progress[-1].RecordType | Should -Be 'Completed'
            $progress[-1].CurrentOperation | Should -Match '^up to \d+ handshakes at once' -Because 'the progress bar shows how many handshakes run at once, and why'
        }
        finally { $shell.Dispose() }
    }

    It 'stops every host within 1 s on Ctrl+C, and their commands are ended' {
        $background = Start-BackgroundPipeline -Script "Import-Module '$ModulePath'; Invoke-SentinelCommand 'sleep 379' -ComputerName $($fleet.Addresses[0..19] -join ',') -Port $($fleet.Port) -KeyFile '$key' -KnownHostsFile '$($common.KnownHostsFile)'"
        try {
            Wait-Until -TimeoutSeconds 30 { @(Get-RemoteProcess 'sleep 379').Count -ge 20 } | Should -BeTrue
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $background.Shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
            Wait-Until { -not (Get-RemoteProcess 'sleep 379') } | Should -BeTrue
        }
        finally { $background.Shell.Dispose() }
    }

    It 'connects many sessions at once and runs on all of them from the pipeline' {
        $sessions = Connect-SentinelServer -ComputerName $fleet.Addresses[0..9] @common
        @($sessions).Count | Should -Be 10
        $results = $sessions | Invoke-SentinelCommand 'echo $SSH_CONNECTION'
        @($results).Count | Should -Be 10
        $sessions | Disconnect-SentinelServer
    }

    It 'queues commands beyond MaxSessions (10) on one session instead of failing them' {
        $session = Connect-SentinelServer -ComputerName $fleet.Addresses[0] @common
        $results = 1..15 | ForEach-Object -ThrottleLimit 15 -Parallel {
            Import-Module $using:ModulePath
            Invoke-SentinelCommand 'sleep 0.3; echo queued-ok' -Session $using:session
        }
        @($results).Count | Should -Be 15
        $results.Output | Sort-Object -Unique | Should -Be "queued-ok`n"
        $session | Disconnect-SentinelServer
    }
}
