BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $session = Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -Credential (Get-SentinelLabCredential -Lab $lab) -KnownHostsFile (Join-Path $TestDrive 'known_hosts')
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'The audit log' {
    AfterEach { $env:SENTINEL_AUDIT_LOG = $null }

    It 'writes one JSON line per command to $env:SENTINEL_AUDIT_LOG' {
        $log = Join-Path $TestDrive 'env-audit.jsonl'
        $env:SENTINEL_AUDIT_LOG = $log
        Invoke-SentinelCommand 'printf 12345; exit 3' -Session $session | Out-Null
        Wait-Until { (Test-Path $log) -and @(Get-Content $log).Count -ge 1 } | Should -BeTrue
        $record = Get-Content $log | ConvertFrom-Json
        $record.computerName | Should -Be $lab.ComputerName
        $record.port | Should -Be $lab.Port
        $record.remoteUser | Should -Be 'sentinel'
        $record.localUser | Should -Be ([Environment]::UserName)
        $record.command | Should -Be 'printf 12345; exit 3'
        $record.sudo | Should -BeFalse
        $record.exitCode | Should -Be 3
        $record.outputBytes | Should -Be 5
        $record.durationMs | Should -BeGreaterThan 0
        $record.outcome | Should -Be 'completed'
        [DateTime]::Parse($record.time) | Should -BeGreaterThan (Get-Date).AddMinutes(-1)
    }

    It 'records a failed command with its error id, and the preference variable wins over the environment' {
        $log = Join-Path $TestDrive 'pref-audit.jsonl'
        $env:SENTINEL_AUDIT_LOG = Join-Path $TestDrive 'unused.jsonl'
        $SentinelAuditLog = $log
        Invoke-SentinelCommand 'sleep 376' -Session $session -Timeout 1 -ErrorAction SilentlyContinue
        Wait-Until { (Test-Path $log) -and @(Get-Content $log).Count -ge 1 } | Should -BeTrue
        (Get-Content $log | ConvertFrom-Json).outcome | Should -Be 'Sentinel.CommandTimeout'
        Join-Path $TestDrive 'unused.jsonl' | Should -Not -Exist
    }

    It 'never blocks or breaks a command when the log cannot be written, and says so on the next command' {
        $env:SENTINEL_AUDIT_LOG = $TestDrive   # a folder: every write fails
        (Invoke-SentinelCommand 'echo still-runs' -Session $session).Output | Should -Be "still-runs`n"
        $warned = $false
        Wait-Until {
            $null = Invoke-SentinelCommand 'true' -Session $session -WarningVariable warnings
            $script:warned = ($warnings | Out-String) -like '*audit record*could not be written*'
            $script:warned
        } | Should -BeTrue
    }

    It 'keeps the last record of a pwsh that exits right after its command, the writer still busy' {
        $log = Join-Path $TestDrive 'exit-audit.jsonl'
        # The first record goes to a pipe that gets a reader only half a second after the child's last
        # command, so at exit the writer is still busy: without the flush at exit the last record is lost.
        $slow = Join-Path $TestDrive 'slow.fifo'
        & mkfifo $slow
        $script = (Get-SessionScript -Lab $lab -KnownHostsFile (Join-Path $TestDrive 'known_hosts')) + @"

`$SentinelAuditLog = '$slow'
`$null = Invoke-SentinelCommand 'echo into-the-pipe' -Session `$session
`$SentinelAuditLog = '$log'
`$null = Invoke-SentinelCommand 'echo last-words' -Session `$session
`$null = [System.Diagnostics.Process]::Start('sh', [string[]]@('-c', "sleep 0.5; exec timeout 10 cat '$slow' > /dev/null"))
exit 7
"@
        $output = Invoke-ChildPwsh -Script $script
        $LASTEXITCODE | Should -Be 7 -Because ($output -join "`n")
        # No waiting: the child has exited, so whatever it wrote is already in the file.
        $log | Should -Exist
        @(Get-Content $log | ConvertFrom-Json | Where-Object command -EQ 'echo last-words').Count | Should -Be 1
    }
}
