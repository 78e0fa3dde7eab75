BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab
    $credential = Get-SentinelLabCredential -Lab $lab
    $knownHosts = Join-Path $TestDrive 'known_hosts'
}

AfterAll { Stop-SentinelLab -Lab $lab }

Describe 'Test-SentinelConnection' {
    It 'refuses a service name that is not a unit name before contacting the host: <Display>' -ForEach @(
        @{ Display = 'trailing newline'; Name = "nginx`n" }
        @{ Display = 'quotes'; Name = "'nginx'" }
        @{ Display = 'leading dash'; Name = '-nginx' }
        @{ Display = 'NUL'; Name = "nginx`0" }
    ) {
        $before = (Get-Content $lab.LogPath -Raw)
        { Test-SentinelConnection -ComputerName $lab.ComputerName -Port $lab.Port -Credential $credential -KnownHostsFile $knownHosts -Service $Name } |
            Should -Throw -ErrorId 'Sentinel.InvalidServiceName,Sentinel.Commands.TestSentinelConnectionCommand'
        (Get-Content $lab.LogPath -Raw) | Should -Be $before -Because 'nothing was sent: no connection reached sshd'
    }

    It 'passes every step against the lab, nginx included' {
        $result = Test-SentinelConnection -ComputerName $lab.ComputerName -Port $lab.Port -Credential $credential -KnownHostsFile $knownHosts -Service nginx
        $result | Should -BeOfType ([Sentinel.Results.ConnectionTestResult])
        $result.Steps.Step | Should -Be @('TCP', 'Handshake', 'Authentication', 'Command', 'Service nginx')
        $result.Steps | ForEach-Object { $_.Passed | Should -BeTrue -Because "$($_.Step): $($_.Detail)" }
        $result.Passed | Should -BeTrue
        $result.FailedStep | Should -BeNullOrEmpty
        ($result.Steps | Where-Object Step -eq 'Command').Detail | Should -Be 'whoami: sentinel'
        Get-SentinelSession | Should -BeNullOrEmpty -Because 'the test leaves no session behind'
    }

    It 'names the Authentication step and a hint for a wrong password' {
        $wrong = [pscredential]::new('sentinel', (ConvertTo-SecureString 'Bad-Password-7' -AsPlainText -Force))
        $result = Test-SentinelConnection -ComputerName $lab.ComputerName -Port $lab.Port -Credential $wrong -KnownHostsFile $knownHosts
        $result.Passed | Should -BeFalse
        $result.FailedStep.Step | Should -Be 'Authentication'
        $result.FailedStep.Hint | Should -BeLike '*user name*password*'
        ($result.Steps | Where-Object Step -eq 'Handshake').Passed | Should -BeTrue
        ($result | Format-List * | Out-String) + ($result.Steps | Format-List * | Out-String) | Should -Not -BeLike '*Bad-Password-7*'
    }

    It 'names the TCP step and a hint for a closed port' {
        $result = Test-SentinelConnection -ComputerName localhost -Port (Get-FreeTcpPort) -Credential $credential -KnownHostsFile $knownHosts
        $result.FailedStep.Step | Should -Be 'TCP'
        $result.FailedStep.Hint | Should -BeLike '*port*sshd*'
        $result.Steps.Count | Should -Be 1
    }

    It 'fails the service step for a stopped or unknown service, by exit code' {
        $result = Test-SentinelConnection -ComputerName $lab.ComputerName -Port $lab.Port -Credential $credential -KnownHostsFile $knownHosts -Service 'no-such-service'
        $step = $result.Steps | Where-Object Step -eq 'Service no-such-service'
        $step.Passed | Should -BeFalse
        $step.Hint | Should -Not -BeNullOrEmpty
    }

    It 'fails the Command step with the exit code and what it printed when the command fails' {
        # No whoami on the sessions' PATH: the shell says so, exit code 127.
        $bare = Start-SentinelLab -NoNginx -SessionPath (Join-Path $TestDrive 'empty-path')
        try {
            $result = Test-SentinelConnection -ComputerName $bare.ComputerName -Port $bare.Port -Credential $credential -KnownHostsFile $knownHosts
            $result.FailedStep.Step | Should -Be 'Command'
            $result.FailedStep.Detail | Should -BeLike 'whoami ended with exit code 127:*whoami*not found*'
        }
        finally { Stop-SentinelLab -Lab $bare }
    }

    It 'fails the Command step when a ForceCommand answers instead of the command, with what it printed on both streams' {
        $forced = Start-SentinelLab -NoNginx -ExtraConfig 'ForceCommand /bin/sh -c "echo forced-out; echo forced-err >&2; exit 1"'
        try {
            $result = Test-SentinelConnection -ComputerName $forced.ComputerName -Port $forced.Port -Credential $credential -KnownHostsFile $knownHosts
            $result.FailedStep.Step | Should -Be 'Command'
            $result.FailedStep.Detail | Should -BeLike '*did not run the command as given*exit code 1*forced-out*forced-err*'
            $result.FailedStep.Hint | Should -BeLike '*ForceCommand*'
        }
        finally { Stop-SentinelLab -Lab $forced }
    }

    It 'fails the Command step when more than the user name reaches the output, as any script would see it' {
        # The forced command prints a banner, then runs the command it was given.
        $noisy = Start-SentinelLab -NoNginx -ExtraConfig 'ForceCommand echo Welcome to the forced menu; eval "$SSH_ORIGINAL_COMMAND"'
        try {
            $result = Test-SentinelConnection -ComputerName $noisy.ComputerName -Port $noisy.Port -Credential $credential -KnownHostsFile $knownHosts
            $result.Passed | Should -BeFalse
            $result.FailedStep.Step | Should -Be 'Command'
            $result.FailedStep.Detail | Should -BeLike '*more than the user name*Welcome to the forced menu*'
        }
        finally { Stop-SentinelLab -Lab $noisy }
    }

    It 'returns only a Boolean with -Quiet' {
        Test-SentinelConnection -ComputerName $lab.ComputerName -Port $lab.Port -Credential $credential -KnownHostsFile $knownHosts -Quiet | Should -BeExactly $true
        Test-SentinelConnection -ComputerName localhost -Port (Get-FreeTcpPort) -Credential $credential -KnownHostsFile $knownHosts -Quiet | Should -BeExactly $false
    }
}
