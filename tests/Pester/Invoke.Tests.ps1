BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $connect = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; Credential = (Get-SentinelLabCredential -Lab $lab); KnownHostsFile = (Join-Path $TestDrive 'known_hosts') }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Invoke-SentinelCommand' {
    BeforeAll { $session = Connect-SentinelServer @connect }

    It 'returns stdout, stderr apart, and exit code 0 as a typed result' {
        $result = Invoke-SentinelCommand 'echo to-out; echo to-err >&2' -Session $session
        $result | Should -BeOfType ([Sentinel.Results.CommandResult])
        $result.ComputerName | Should -Be $lab.ComputerName
        $result.Command | Should -Be 'echo to-out; echo to-err >&2'
        $result.Output | Should -Be "to-out`n"
        $result.Error | Should -Be "to-err`n"
        $result.ExitCode | Should -Be 0
        $result.Succeeded | Should -BeTrue
        $result.StartTime | Should -BeGreaterThan (Get-Date).AddMinutes(-1)
        $result.Duration | Should -BeGreaterThan ([TimeSpan]::Zero)
    }

    It 'treats a non-zero exit code as data, not an error' {
        $result = Invoke-SentinelCommand 'echo partial; exit 42' -Session $session -ErrorVariable failures
        $failures.Count | Should -Be 0
        $result.ExitCode | Should -Be 42
        $result.Succeeded | Should -BeFalse
        $result.Output | Should -Be "partial`n"
    }

    It 'uses the most recent open session when none is given, and sessions from the pipeline' {
        (Invoke-SentinelCommand 'whoami').Output | Should -Be "sentinel`n"
        ($session | Invoke-SentinelCommand 'echo piped').Output | Should -Be "piped`n"
    }

    It 'gives a command with no input an stdin at end-of-file, so read returns at once' {
        $result = Invoke-SentinelCommand 'if read line; then echo got-input; else echo at-eof; fi' -Session $session -Timeout 20
        $result.Output | Should -Be "at-eof`n"
    }

    It 'ends a command at -Timeout with a CommandTimeout error, kills it on the host, and the session stays usable' {
        $marker = "sleep 31$(Get-Random -Maximum 9)"
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Invoke-SentinelCommand "$marker; echo not-reached" -Session $session -Timeout 2 -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 6
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.CommandTimeout,*'
        $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $failures[0].TargetObject | Should -Be $lab.ComputerName
        Wait-Until { -not (& pgrep -u sentinel -f $marker) } | Should -BeTrue -Because 'the remote command is ended with its process group'
        (Invoke-SentinelCommand 'echo still-usable' -Session $session).Output | Should -Be "still-usable`n"
    }

    It 'decodes invalid UTF-8 as replacement characters instead of failing' {
        $result = Invoke-SentinelCommand "printf 'ok \377\376 end'" -Session $session
        $result.Output | Should -Be "ok $([char]0xFFFD)$([char]0xFFFD) end"
    }

    It 'reports a connection lost mid-command as an error for that host' {
        $doomed = Connect-SentinelServer @connect
        # The command's parent is the sshd process serving this connection: killing it drops the connection.
        Invoke-SentinelCommand 'kill -KILL $PPID; sleep 5' -Session $doomed -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ConnectionLost,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $failures[0].TargetObject | Should -Be $lab.ComputerName
        $doomed.State | Should -Be 'Broken'
    }
}

Describe 'Invoke-SentinelCommand without a session' {
    It 'is a terminating NoSession error when no session is open' {
        $other = [powershell]::Create()
        try {
            $other.AddScript("Import-Module '$ModulePath'; try { Invoke-SentinelCommand 'true' } catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category }").Invoke() |
                Should -Be @('Sentinel.NoSession,Sentinel.Commands.InvokeSentinelCommandCommand', 'ObjectNotFound')
        }
        finally { $other.Dispose() }
    }
}
