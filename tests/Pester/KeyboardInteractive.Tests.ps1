# keyboard-interactive: a lab sshd that takes passwords only through PAM's keyboard-interactive prompts.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx -ExtraConfig 'PasswordAuthentication no', 'KbdInteractiveAuthentication yes', 'UsePAM yes', 'PubkeyAuthentication no'
    # Both methods on: a wrong password must be tried once in all, not once per method.
    $both = Start-SentinelLab -NoNginx -ExtraConfig 'PasswordAuthentication yes', 'KbdInteractiveAuthentication yes', 'UsePAM yes', 'PubkeyAuthentication no'
    $credential = Get-SentinelLabCredential -Lab $lab
    $common = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; KnownHostsFile = (Join-Path $TestDrive 'known_hosts'); ConnectTimeout = 5; ErrorAction = 'Stop' }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
    Stop-SentinelLab -Lab $both
}

Describe 'keyboard-interactive' {
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'logs in with -Credential by answering the PAM password prompt' {
        $session = Connect-SentinelServer @common -Credential $credential
        (Invoke-SentinelCommand 'whoami' -Session $session).Output.Trim() | Should -Be 'sentinel'
        $session.AuthenticationMethod | Should -Be 'KeyboardInteractive'
        Get-Content $lab.LogPath | Select-String 'Accepted keyboard-interactive/pam for sentinel' | Should -Not -BeNullOrEmpty
    }

    It 'fails once with a wrong password, without answering the prompt again' {
        $wrong = [pscredential]::new($lab.UserName, (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
        $before = @(Get-Content $lab.LogPath).Count
        { Connect-SentinelServer @common -Credential $wrong } | Should -Throw -ErrorId 'Sentinel.AuthenticationFailed,*'
        $Error[0].Exception.Message | Should -BeLike '*keyboard-interactive*'
        # sshd logs the failure after PAM's delay, which can end after the client has given up: count
        # once sshd logged the connection's end, after which no answer of that connection can come.
        $logged = { @(Get-Content $lab.LogPath | Select-Object -Skip $before) }
        Wait-Until { ((& $logged) -match 'Connection closed by|Disconnected from|Connection reset by') -and ((& $logged) -match 'Failed keyboard-interactive/pam for sentinel') } | Should -BeTrue
        @(& $logged | Select-String 'Failed keyboard-interactive/pam for sentinel').Count | Should -Be 1
        (Get-ErrorText $Error[0]) | Should -Not -BeLike '*not-the-password*'
    }

    It 'does not send a password the password method was refused again through keyboard-interactive' {
        $wrong = [pscredential]::new($both.UserName, (ConvertTo-SecureString 'not-the-password' -AsPlainText -Force))
        $before = @(Get-Content $both.LogPath).Count
        $toBoth = $common.Clone(); $toBoth.Port = $both.Port
        { Connect-SentinelServer @toBoth -Credential $wrong } | Should -Throw -ErrorId 'Sentinel.AuthenticationFailed,*'
        $failures = @(Get-Content $both.LogPath | Select-Object -Skip $before | Select-String 'Failed (password|keyboard-interactive/pam) for sentinel')
        $failures.Count | Should -Be 1
        $failures[0].Line | Should -BeLike '*Failed password*'
    }

    It 'Test-SentinelConnection reports the login' {
        $result = Test-SentinelConnection -ComputerName $lab.ComputerName -Port $lab.Port -KnownHostsFile $common.KnownHostsFile -Credential $credential
        $result.Passed | Should -BeTrue
    }
}
