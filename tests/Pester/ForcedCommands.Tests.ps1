# Servers that answer for a command without running it (issue 22: "never a silent wrong result"):
# an sshd whose ForceCommand runs its own program, and an SFTP-only account. Sentinel must not hand
# their answer back as the command's result.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $menu = Start-SentinelLab -NoNginx -ExtraConfig 'ForceCommand /bin/echo Welcome to the menu'
    $sftpOnly = Start-SentinelLab -NoNginx -ExtraConfig 'ForceCommand internal-sftp'
    $credential = Get-SentinelLabCredential -Lab $menu
    function Connect-Lab($Lab) { Connect-SentinelServer -ComputerName $Lab.ComputerName -Port $Lab.Port -Credential $credential -KnownHostsFile (New-TestKnownHostsFile) }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $menu
    Stop-SentinelLab -Lab $sftpOnly
}

Describe 'A command the server does not run' {
    It 'is Sentinel.CommandNotRun under a ForceCommand that runs its own program, not its exit 0 and output' {
        $session = Connect-Lab $menu
        $result = Invoke-SentinelCommand 'echo hi' -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.CommandNotRun,*'
        $failure[0].CategoryInfo.Category | Should -Be 'InvalidResult'
        $failure[0].TargetObject | Should -Be $menu.ComputerName
        $failure[0].Exception.Message | Should -BeLike '*did not run the command as given*exit code 0*Welcome to the menu*echo hi'
        $failure[0].ErrorDetails.RecommendedAction | Should -BeLike '*ForceCommand*'
    }

    It 'is Sentinel.CommandNotRun under -Sudo too, with no password sent' {
        $session = Connect-Lab $menu
        Invoke-SentinelCommand 'id -u' -Session $session -Sudo -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.CommandNotRun,*'
    }

    It 'is Sentinel.CommandNotRun on an SFTP-only account, naming its refusal' {
        $session = Connect-Lab $sftpOnly
        Invoke-SentinelCommand 'echo hi' -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.CommandNotRun,*'
        $failure[0].Exception.Message | Should -BeLike '*sftp connections only*'
    }

    It 'leaves copies on the SFTP-only account working, verified by reading back' {
        $session = Connect-Lab $sftpOnly
        $file = Join-Path $TestDrive 'drop.txt'
        Set-Content -Path $file -Value 'dropped' -NoNewline
        $remote = "/tmp/sentinel-forced-$([guid]::NewGuid().ToString('N')).txt"
        try {
            $copy = Copy-SentinelItem -Path $file -Destination $remote -Session $session -ErrorAction Stop
            $copy.Verification | Should -Be 'ReadBack'
            Get-Content $remote -Raw | Should -Be 'dropped'
        }
        finally { Remove-Item $remote -ErrorAction SilentlyContinue }
    }
}
