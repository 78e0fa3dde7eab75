BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab
    $credential = Get-SentinelLabCredential -Lab $lab
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $target = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; KnownHostsFile = $knownHosts }
    $passwordSession = Connect-SentinelServer @target -Credential $credential
    $keySession = Connect-SentinelServer @target -KeyFile $lab.KeyPath
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Invoke-SentinelCommand -Sudo' {
    It 'runs a password-protected command as root with the login password, and the prompt never shows' {
        $result = Invoke-SentinelCommand 'id -un' -Session $passwordSession -Sudo
        $result.Output | Should -Be "root`n"
        $result.Error | Should -BeNullOrEmpty
        $result.Sudo | Should -BeTrue
        $result.Succeeded | Should -BeTrue
    }

    It 'runs a NOPASSWD command without sending the password: cat under sudo prints nothing of it' {
        $result = Invoke-SentinelCommand 'cat' -Session $passwordSession -Sudo
        $result.ExitCode | Should -Be 0
        $result.Output | Should -BeExactly ''
        $result.Error | Should -BeExactly ''
        ($result | Format-List * | Out-String) | Should -Not -BeLike "*$($lab.Password)*"
    }

    It 'gives a password-protected command an stdin at end-of-file after the password' {
        $result = Invoke-SentinelCommand 'head -c 100' -Session $passwordSession -Sudo -Timeout 20
        $result.ExitCode | Should -Be 0
        $result.Output | Should -BeExactly '' -Because 'the password line is sudo''s, not the command''s'
    }

    It 'feeds pipeline input to a command under sudo, after the password' {
        ('zulu', 'alpha' | Invoke-SentinelCommand 'sort' -Session $passwordSession -Sudo).Output | Should -Be "alpha`nzulu`n"
    }

    It 'runs passwordless sudo with key authentication' {
        (Invoke-SentinelCommand '/usr/sbin/service nginx status' -Session $keySession -Sudo).ExitCode | Should -Be 0
    }

    It 'says a password is required when the session has none and no -SudoCredential is given' {
        Invoke-SentinelCommand 'id -un' -Session $keySession -Sudo -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SudoPasswordRequired,*'
        $failure[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $failure[0].TargetObject | Should -Be $lab.ComputerName
    }

    It 'uses -SudoCredential on a key session' {
        (Invoke-SentinelCommand 'id -un' -Session $keySession -Sudo -SudoCredential $credential).Output | Should -Be "root`n"
    }

    It 'reports a wrong password within 5 s, once, without echoing it' {
        $wrong = [pscredential]::new('sentinel', (ConvertTo-SecureString 'Wrong-Sudo-Pass-9' -AsPlainText -Force))
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Invoke-SentinelCommand 'id -un' -Session $passwordSession -Sudo -SudoCredential $wrong -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SudoPasswordWrong,*'
        $failure[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        Get-ErrorText $failure[0] | Should -Not -BeLike '*Wrong-Sudo-Pass-9*'
        Wait-Until { -not (Get-RemoteProcess 'sudo -k -S') } | Should -BeTrue -Because 'no sudo is left waiting for a retry'
    }

    It 'reports a command the sudoers rules do not allow' {
        Invoke-SentinelCommand 'passwd -S root' -Session $passwordSession -Sudo -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SudoNotAllowed,*'
        $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failure[0].Exception.Message | Should -BeLike '*not allowed*passwd*'
    }

    It 'reports requiretty clearly, before anything runs' {
        $ttyUser = Connect-SentinelServer @target -UserName $lab.TtyUserName -KeyFile $lab.KeyPath
        Invoke-SentinelCommand 'id -un' -Session $ttyUser -Sudo -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SudoRequiresTty,*'
        $failure[0].ErrorDetails.RecommendedAction | Should -BeLike '*requiretty*'
        $ttyUser | Disconnect-SentinelServer
    }

    It 'reports a host without sudo' {
        # An sshd whose sessions get a PATH without sudo stands in for a host where it is not installed.
        $noSudoLab = Start-SentinelLab -NoNginx -SessionPath '/usr/local/bin'
        try {
            $session = Connect-SentinelServer -ComputerName $noSudoLab.ComputerName -Port $noSudoLab.Port -Credential $credential -KnownHostsFile $knownHosts
            Invoke-SentinelCommand 'id -un' -Session $session -Sudo -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SudoNotInstalled,*'
            $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $session | Disconnect-SentinelServer
        }
        finally { Stop-SentinelLab -Lab $noSudoLab }
    }
}

Describe 'Sudo secrets' {
    It 'never puts the password in the remote argv during a long sudo command' {
        $background = Start-BackgroundPipeline -Script ((Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + "`nInvoke-SentinelCommand 'sleep 371' -Sudo")
        try {
            Wait-Until { Get-RemoteProcess '^sleep 371' } | Should -BeTrue -Because 'the command itself runs only after sudo accepted the password'
            $everyArgv = (& ps -eo args) -join "`n"
            $everyArgv | Should -BeLike '*sudo -k -S -p*sleep 371*'
            $everyArgv | Should -Not -BeLike "*$($lab.Password)*"
            foreach ($processId in Get-RemoteProcess 'sleep 371') {
                (Get-Content "/proc/$processId/environ" -Raw -ErrorAction SilentlyContinue) | Should -Not -BeLike "*$($lab.Password)*"
            }
        }
        finally { $background.Shell.Stop(); $background.Shell.Dispose() }
        Wait-Until { -not (Get-RemoteProcess 'sleep 371') } | Should -BeTrue
    }

    It 'keeps the password out of verbose text, results and the audit log' {
        $audit = Join-Path $TestDrive 'audit.jsonl'
        $SentinelAuditLog = $audit
        try {
            $verbose = Invoke-SentinelCommand 'id -un' -Session $passwordSession -Sudo -Verbose 4>&1
            $text = ($verbose | Out-String) + ($verbose | Format-List * | Out-String)
            $text | Should -BeLike '*root*'
            $text | Should -Not -BeLike "*$($lab.Password)*"
            Wait-Until { (Test-Path $audit) -and (Get-Content $audit -Raw) -like '*id -un*' } | Should -BeTrue
            $record = Get-Content $audit | Select-Object -Last 1 | ConvertFrom-Json
            $record.sudo | Should -BeTrue
            $record.exitCode | Should -Be 0
            Get-Content $audit -Raw | Should -Not -BeLike "*$($lab.Password)*"
        }
        finally { Remove-Variable SentinelAuditLog }
    }
}
