BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    # These tests kill and freeze the sshd serving the session, so they have an sshd of their own.
    $lab = Start-SentinelLab -NoNginx
    $connect = @{
        ComputerName      = $lab.ComputerName
        Port              = $lab.Port
        Credential        = (Get-SentinelLabCredential -Lab $lab)
        KnownHostsFile    = (Join-Path $TestDrive 'known_hosts')
        KeepAliveInterval = 1
        KeepAliveCountMax = 2
    }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    foreach ($processId in Get-SentinelLabConnectionProcess -Lab $lab) { & kill -CONT $processId 2>$null }
    Stop-SentinelLab -Lab $lab
}

Describe 'A session whose server dies or freezes' {
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'turns Broken when its sshd process is killed, and the next command reconnects once by itself' {
        $session = Connect-SentinelServer @connect
        foreach ($processId in Get-SentinelLabConnectionProcess -Lab $lab) { & kill -KILL $processId }
        Wait-Until { $session.State -eq 'Broken' } | Should -BeTrue
        $result = Invoke-SentinelCommand 'echo back' -Session $session -Verbose 4>&1
        ($result | Where-Object { $_ -is [Sentinel.Results.CommandResult] }).Output | Should -Be "back`n"
        ($result | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -BeLike '*broken*reconnecting once*'
        $session.State | Should -Be 'Open'
        $session.Reconnects | Should -Be 1
    }

    It 'fails with a clear error instead with -NoReconnect' {
        $session = Connect-SentinelServer @connect
        foreach ($processId in Get-SentinelLabConnectionProcess -Lab $lab) { & kill -KILL $processId }
        Wait-Until { $session.State -eq 'Broken' } | Should -BeTrue
        Invoke-SentinelCommand 'echo never' -Session $session -NoReconnect -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SessionBroken,*'
        $failure[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $failure[0].ErrorDetails.RecommendedAction | Should -BeLike '*reconnect*'
    }

    It 'turns Broken as soon as a command fails with ConnectionLost, not only when the keepalive notices' {
        # No keepalive: the command's own failure is the only news of the dead connection.
        $session = Connect-SentinelServer @connect -KeepAliveInterval 0
        $killer = Start-BackgroundPipeline -Script @"
Import-Module '$(Join-Path $RepoRoot 'tests/lab/SentinelLab.psm1')'
while (-not (& pgrep -f 'sleep 376')) { [System.Threading.Thread]::Sleep(20) }
foreach (`$processId in Get-SentinelLabConnectionProcess -Lab ([pscustomobject]@{ SshdPid = $($lab.SshdPid) })) { & kill -KILL `$processId }
'killed'
"@
        try {
            Invoke-SentinelCommand 'sleep 376' -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $killer.Output | Should -Be 'killed'
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ConnectionLost,*'
            $session.State | Should -Be 'Broken'
        }
        finally {
            $killer.Shell.Dispose()
            foreach ($processId in Get-RemoteProcess 'sleep 376') { & kill -KILL $processId }
        }
    }

    It 'fails a running command within the keepalive window when the server freezes (SIGSTOP), without hanging' {
        $session = Connect-SentinelServer @connect
        $freezer = Start-BackgroundPipeline -Script @"
Import-Module '$(Join-Path $RepoRoot 'tests/lab/SentinelLab.psm1')'
while (-not (& pgrep -f 'sleep 375')) { [System.Threading.Thread]::Sleep(20) }
foreach (`$processId in Get-SentinelLabConnectionProcess -Lab ([pscustomobject]@{ SshdPid = $($lab.SshdPid) })) { & kill -STOP `$processId }
'frozen'
"@
        try {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            Invoke-SentinelCommand 'sleep 375' -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10 -Because 'keepalive 1 s x 2 misses ends the wait, far from the command''s 375 s'
            $freezer.Output | Should -Be 'frozen'
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ConnectionLost,*'
            $failure[0].Exception.Message | Should -BeLike '*did not answer*keepalive*'
            $session.State | Should -Be 'Broken'
        }
        finally {
            $freezer.Shell.Dispose()
            foreach ($processId in Get-SentinelLabConnectionProcess -Lab $lab) { & kill -CONT $processId; & kill -KILL $processId }
            foreach ($processId in Get-RemoteProcess 'sleep 375') { & kill -KILL $processId }
        }
    }
}
