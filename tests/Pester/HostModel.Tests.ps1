# One way to a host: every host cmdlet takes sessions, -ComputerName with the connection parameters,
# inventory -ServerName (and piped entries) and -Tag, and a connection it opens itself is closed after it.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $credential = Get-SentinelLabCredential -Lab $lab
    $direct = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; Credential = $credential; KnownHostsFile = $knownHosts }

    function Get-ConnectionCount { @(Get-SentinelLabConnectionProcess -Lab $lab).Count }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Host cmdlets on hosts named without a session' {
    BeforeEach {
        $env:SENTINEL_SERVERS = Join-Path $TestDrive "servers-$([guid]::NewGuid().ToString('N')).json"
        Add-SentinelServer web01 $lab.ComputerName -Port $lab.Port -UserName sentinel -KeyFile $lab.KeyPath -Tag web | Out-Null
    }
    AfterEach {
        $env:SENTINEL_SERVERS = $null
        $env:SENTINEL_AUDIT_LOG = $null
        Get-SentinelSession | Disconnect-SentinelServer
    }

    It 'runs Get-SentinelService on -ComputerName, audits its commands, lists no session and closes its connection' {
        $before = Get-ConnectionCount
        $log = Join-Path $TestDrive 'host-audit.jsonl'
        $env:SENTINEL_AUDIT_LOG = $log
        $status = Get-SentinelService -Name ssh @direct
        $status | Should -BeOfType ([Sentinel.Results.ServiceStatus])
        $status.ComputerName | Should -Be $lab.ComputerName
        Get-SentinelSession | Should -BeNullOrEmpty -Because 'a connection of the cmdlet''s own is not a listed session'
        Wait-Until { (Get-ConnectionCount) -le $before } | Should -BeTrue -Because 'the connection opened for the cmdlet is closed after it'
        Wait-Until { (Test-Path $log) -and @(Get-Content $log).Count -ge 1 } | Should -BeTrue
        (Get-Content $log | ConvertFrom-Json).computerName | Should -Contain $lab.ComputerName
    }

    It 'reaches the inventory server by -ServerName, by piped Get-SentinelServer output and by -Tag, with its settings' {
        (Get-SentinelService -Name ssh -ServerName web01 -KnownHostsFile $knownHosts).ComputerName | Should -Be $lab.ComputerName
        (Get-SentinelServer web01 | Get-SentinelService -Name ssh -KnownHostsFile $knownHosts).ComputerName | Should -Be $lab.ComputerName
        (Get-SentinelService -Name ssh -Tag web -KnownHostsFile $knownHosts).ComputerName | Should -Be $lab.ComputerName
        (Test-SentinelPrivilege -Service ssh -ServerName web01 -KnownHostsFile $knownHosts | Select-Object -First 1).ComputerName | Should -Be $lab.ComputerName
    }

    It 'keeps -Name as the server where it named one: Invoke-SentinelCommand -Name and piped entries' {
        (Invoke-SentinelCommand 'whoami' -Name web01 -KnownHostsFile $knownHosts).Output.Trim() | Should -Be 'sentinel'
        (Get-SentinelServer web01 | Invoke-SentinelCommand 'whoami' -KnownHostsFile $knownHosts).Output.Trim() | Should -Be 'sentinel'
    }

    It 'writes one ServerNotFound per unknown name and still works on the others' {
        $status = Get-SentinelService -Name ssh -ServerName web01, nosuch -KnownHostsFile $knownHosts -ErrorVariable failure -ErrorAction SilentlyContinue
        $status.ComputerName | Should -Be $lab.ComputerName
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServerNotFound,*'
        $failure[0].TargetObject | Should -Be 'nosuch'
    }

    It 'reports an unreachable host as that host''s error, once, whatever the number of services' {
        $closed = Get-FreeTcpPort
        Get-SentinelService -Name ssh, cron -ComputerName 127.0.0.1 -Port $closed -Credential $credential -KnownHostsFile $knownHosts -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ConnectionRefused,*'
    }
}

Describe 'Host cmdlets on sessions' {
    BeforeAll {
        $session = Connect-SentinelServer @direct
    }

    It 'tests the path of a given session afresh with its settings' {
        $result = Test-SentinelConnection -Session $session
        $result.Passed | Should -BeTrue
        $result.ComputerName | Should -Be $lab.ComputerName
        $session.State | Should -Be 'Open' -Because 'the session itself is left alone'
    }

    It 'copies to the newest open session when no host is named, and -ToSession still names sessions' {
        $file = Join-Path $TestDrive 'newest.txt'
        Set-Content -Path $file -Value 'newest'
        (Copy-SentinelItem $file "/tmp/sentinel-hostmodel-$PID-a.txt" -Force).ComputerName | Should -Be $lab.ComputerName
        (Copy-SentinelItem $file "/tmp/sentinel-hostmodel-$PID-b.txt" -ToSession $session -Force).Action | Should -Be 'Copied'
        (Invoke-SentinelCommand "cat /tmp/sentinel-hostmodel-$PID-a.txt /tmp/sentinel-hostmodel-$PID-b.txt; rm -f /tmp/sentinel-hostmodel-$PID-*" -Session $session).Output | Should -Be "newest`nnewest`n"
    }
}

Describe 'Copy-SentinelItem -Timeout' {
    BeforeAll {
        $session = Connect-SentinelServer @direct
    }

    It 'ends a copy whose -Validate never returns with Sentinel.CopyTimeout, and replaces nothing' {
        $file = Join-Path $TestDrive 'slow.txt'
        Set-Content -Path $file -Value 'slow'
        $target = "/tmp/sentinel-hostmodel-$PID-slow.txt"
        $clock = [Diagnostics.Stopwatch]::StartNew()
        # The validation hangs (reads a pipe nobody writes): only -Timeout can end the copy.
        $result = Copy-SentinelItem $file $target -Session $session -Timeout 3 -Validate 'mkfifo /tmp/sentinel-hostmodel-$$.fifo && cat /tmp/sentinel-hostmodel-$$.fifo {}' -ErrorVariable failure -ErrorAction SilentlyContinue
        $clock.Stop()
        $result | Should -BeNullOrEmpty
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.CopyTimeout,*'
        $failure[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $failure[0].TargetObject | Should -Be $lab.ComputerName
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 60 -Because 'a generous ceiling: the limit was 3 s'
        (Invoke-SentinelCommand "test -e $target; echo `$?; rm -f /tmp/sentinel-hostmodel-*.fifo" -Session $session).Output.Trim() | Should -Be '1'
        $session.State | Should -Be 'Open'
    }
}
