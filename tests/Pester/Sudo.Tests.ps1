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

    It 'feeds pipeline input to a NOPASSWD command on the first attempt, where sudo reads none of it' {
        $result = 'zulu', 'alpha' | Invoke-SentinelCommand 'cat' -Session $keySession -Sudo
        $result.Output | Should -BeExactly "zulu`nalpha`n"
        $result.Error | Should -BeExactly ''
    }

    It 'runs passwordless sudo with key authentication' {
        (Invoke-SentinelCommand '/usr/sbin/service nginx status' -Session $keySession -Sudo).ExitCode | Should -Be 0
    }

    It 'runs a NOPASSWD command that exits 1 saying "sudo: a password is required" exactly once, and returns its own result' {
        # The lab's fake refusal: NOPASSWD, counts its runs in a fixed file, prints sudo's words, exits 1.
        $counter = '/run/sentinel-lab/fake-sudo-refusal.count'
        $before = if (Test-Path $counter) { @(Get-Content $counter).Count } else { 0 }
        $result = Invoke-SentinelCommand '/usr/local/lib/sentinel-lab/fake-sudo-refusal' -Session $passwordSession -Sudo
        @(Get-Content $counter).Count - $before | Should -Be 1 -Because 'the command ran under NOPASSWD; its words are not sudo''s refusal'
        $result.ExitCode | Should -Be 1
        $result.Error | Should -Be "sudo: a password is required`n"
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

Describe 'Compound command lines under -Sudo' {
    BeforeAll {
        # A folder anyone may write to, so a part of a line that ran unprivileged would leave its mark.
        $scratch = "/tmp/sentinel-sudo-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $scratch | Out-Null
        & chmod 1777 $scratch
        $wrong = [pscredential]::new('sentinel', (ConvertTo-SecureString 'Wrong-Sudo-Pass-9' -AsPlainText -Force))
        $noPasswordRuleCredential = [pscredential]::new($lab.NoPasswordRuleUserName, $credential.Password)
    }

    AfterAll {
        Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'runs every part of a compound line as root under the password rule' {
        $result = Invoke-SentinelCommand -Session $passwordSession -Sudo -Command 'id -u; id -u && id -u | cat'
        $result.Output | Should -BeExactly "0`n0`n0`n"
        $result.Error | Should -BeExactly ''
        $result.ExitCode | Should -Be 0
    }

    It 'runs every part as root with -SudoCredential on a key session too' {
        (Invoke-SentinelCommand -Session $keySession -Sudo -SudoCredential $credential -Command 'id -u || exit 1; echo "$(id -u)" `id -u`').Output | Should -BeExactly "0`n0 0`n"
    }

    It 'runs the part after ";" once, as root, although the first sudo attempt asks for a password' {
        $file = Join-Path $scratch 'tail-runs'
        (Invoke-SentinelCommand -Session $passwordSession -Sudo -Command "id -u; echo ran >> $file").Output | Should -BeExactly "0`n"
        Get-Content $file | Should -BeExactly @('ran') -Because 'the tail ran once, not in the passwordless attempt and again'
        & stat -c '%u' $file | Should -Be '0' -Because 'the tail ran as root'
    }

    It 'runs a line with quotes and a newline whole' {
        $line = "printf '%s|' 'a; b' `"c && d`"`nid -u"
        (Invoke-SentinelCommand -Session $passwordSession -Sudo -Command $line).Output | Should -BeExactly "a; b|c && d|0`n"
    }

    It 'keeps sudo in front of a simple command, so the NOPASSWD rule matches and no password is sent' {
        # A wrong -SudoCredential would fail the command (SudoPasswordWrong) if sudo had asked for it.
        $result = Invoke-SentinelCommand -Session $passwordSession -Sudo -SudoCredential $wrong -Command '/usr/sbin/service nginx status' -ErrorVariable failure
        $failure | Should -BeNullOrEmpty
        $result.ExitCode | Should -BeIn @(0, 3) -Because 'service answered (running or stopped: the nginx service is shared with other tests)'
        (Invoke-SentinelCommand -Session $passwordSession -Sudo -SudoCredential $wrong -Command "cat '/etc/sudoers.d/sentinel-lab'").Output | Should -BeLike '*NOPASSWD*'
    }

    Context 'for a user whose sudoers rules are NOPASSWD for some programs only' {
        BeforeAll {
            $noPasswordRuleSession = Connect-SentinelServer @target -Credential $noPasswordRuleCredential
            $noPasswordRuleKeySession = Connect-SentinelServer @target -UserName $lab.NoPasswordRuleUserName -KeyFile $lab.KeyPath
        }

        AfterAll {
            $noPasswordRuleSession, $noPasswordRuleKeySession | Disconnect-SentinelServer
        }

        It 'runs a simple command its rules allow' {
            (Invoke-SentinelCommand -Session $noPasswordRuleSession -Sudo -Command 'id -u').Output | Should -BeExactly "0`n"
        }

        It 'refuses a compound line with SudoNotAllowed that explains the sh -c form, and nothing of it runs' {
            $marker = Join-Path $scratch 'not-allowed-marker'
            Invoke-SentinelCommand -Session $noPasswordRuleSession -Sudo -Command "id -u; touch $marker" -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failure.Count | Should -Be 1
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SudoNotAllowed,*'
            $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
            $failure[0].Exception.Message | Should -BeLike "*shell syntax (';')*whole as root through '/bin/sh -c'*"
            $failure[0].ErrorDetails.RecommendedAction | Should -BeLike '*Split the line into simple commands*NOPASSWD: /bin/sh -c*'
            Test-Path $marker | Should -BeFalse -Because 'the part after ";" must not run unprivileged'
        }

        It 'says the same when the session has no password, and nothing runs' {
            $marker = Join-Path $scratch 'password-required-marker'
            Invoke-SentinelCommand -Session $noPasswordRuleKeySession -Sudo -Command "cat /etc/hostname && touch $marker" -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SudoPasswordRequired,*'
            $failure[0].Exception.Message | Should -BeLike "*shell syntax ('&&')*/bin/sh -c*"
            Test-Path $marker | Should -BeFalse
        }
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
