# Servers that allow fewer channels than Sentinel assumes (issue 22): an OpenSSH with MaxSessions 1 (as
# some hardening guides set), where a copy's SFTP and its commands must take turns, and tinysshd, which
# allows one channel per connection and closes the connection after it. The whole command, sudo,
# services, copy and onboarding set either works there or ends in a Sentinel error naming the real cause;
# never Sentinel.ConnectionLost.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    function Invoke-AtOnce {
        # Several commands at once on one session, from runspaces of this process (as a runbook's
        # ForEach-Object -Parallel would); returns outputs or error ids.
        param([Parameter(Mandatory)]$Session, [int]$Count = 4)
        1..$Count | ForEach-Object -Parallel {
            Import-Module $using:ModulePath
            try { (Invoke-SentinelCommand -Session $using:Session -Command "sleep 0.3; echo at-once-$_" -ErrorAction Stop).Output.Trim() }
            catch { "ERROR $($_.FullyQualifiedErrorId): $($_.Exception.Message)" }
        } -ThrottleLimit $Count
    }

    function Assert-CopiesBothWays {
        param([Parameter(Mandatory)]$Session, [Parameter(Mandatory)][string]$Name, [pscredential]$SudoCredential)
        $Name = "$Name-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        $local = Join-Path $TestDrive "$Name.txt"
        Set-Content -Path $local -Value "payload for $Name" -NoNewline
        $up = Copy-SentinelItem -Session $Session -Path $local -Destination "~/$Name.txt" -Force -ErrorAction Stop
        $up.Action | Should -Be Copied
        $back = Join-Path $TestDrive "$Name.back.txt"
        $down = Copy-SentinelItem -FromSession $Session -Path "~/$Name.txt" -Destination $back -Force -ErrorAction Stop
        $down.Action | Should -Be Copied
        Get-Content $back -Raw | Should -BeExactly "payload for $Name"
        $null = Invoke-SentinelCommand -Session $Session -Command "rm -f -- ~/$Name.txt" -ErrorAction Stop
        if ($SudoCredential) {
            $placed = Copy-SentinelItem -Session $Session -Path $local -Destination "/root/$Name.txt" -Sudo -SudoCredential $SudoCredential -Force -ErrorAction Stop
            $placed.Action | Should -Be Copied
            Get-Content "/root/$Name.txt" -Raw | Should -BeExactly "payload for $Name"
            Remove-Item "/root/$Name.txt"
        }
    }
}

Describe 'An OpenSSH server with MaxSessions 1' {
    BeforeAll {
        $throwaway = "sentinel-one-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        $lab = Start-SentinelLab -ExtraConfig 'MaxSessions 1' -AuthorizedKeysFile '.ssh/authorized_keys' -AllowUser $throwaway
        & useradd --create-home --shell /bin/bash $throwaway
        "${throwaway}:$($lab.Password)" | & chpasswd
        $credential = Get-SentinelLabCredential -Lab $lab
        $target = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; KnownHostsFile = (New-TestKnownHostsFile); HostKeyPolicy = 'AcceptNew' }
        $session = Connect-SentinelServer @target -Credential $credential
    }

    AfterAll {
        Get-SentinelSession | Disconnect-SentinelServer
        Stop-SentinelLab -Lab $lab
        & userdel --remove $throwaway 2>$null
    }

    It 'runs commands one after the other and several at once on one session' {
        foreach ($n in 1..3) { (Invoke-SentinelCommand -Session $session -Command "echo $n" -ErrorAction Stop).Output | Should -Be "$n`n" }
        $results = @(Invoke-AtOnce -Session $session)
        $results | Sort-Object | Should -Be @('at-once-1', 'at-once-2', 'at-once-3', 'at-once-4')
        $session.State | Should -Be 'Open'
        $session.Reconnects | Should -Be 0
    }

    It 'ends a timed-out pipeline and says so only because it is gone: the check on the process group finds a channel' {
        $number = Get-Random -Minimum 100000 -Maximum 999999
        Invoke-SentinelCommand "yes $number | cat > /dev/null" -Session $session -Timeout 2 -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.CommandTimeout,*'
        $failure[0].Exception.Message | Should -BeLike '*was ended (SIGTERM to its process group)*'
        Get-RemoteProcess "yes $number" | Should -BeNullOrEmpty -Because 'the message claims the command ended'
        (Invoke-SentinelCommand 'echo usable' -Session $session -Timeout 20).Output | Should -Be "usable`n"
    }

    It 'runs sudo with a password' {
        (Invoke-SentinelCommand -Session $session -Command 'id -u' -Sudo -ErrorAction Stop).Output | Should -Be "0`n"
    }

    It 'reads a service and tests the connection with its services' {
        (Get-SentinelService nginx -Session $session -ErrorAction Stop).ComputerName | Should -Be $lab.ComputerName
        $test = Test-SentinelConnection @target -Credential $credential -Service nginx
        $test.Steps.Step | Should -Be @('TCP', 'Handshake', 'Authentication', 'Command', 'Service nginx')
        $test.Steps | Select-Object -First 4 | ForEach-Object { $_.Passed | Should -BeTrue -Because "$($_.Step): $($_.Detail)" }
        # Whether the machine's nginx runs is other tests' business: the check itself must run.
        $test.Steps[4].Detail | Should -Match '^nginx is (running|stopped)'
    }

    It 'copies up, down and into place under sudo: SFTP and the copy''s commands take turns' {
        Assert-CopiesBothWays -Session $session -Name 'maxsessions' -SudoCredential $credential
    }

    It 'installs a key for a new user' {
        $userSession = Connect-SentinelServer @target -Credential ([pscredential]::new($throwaway, $credential.Password))
        $key = New-SentinelKey -Path (Join-Path $TestDrive 'one-key') -Comment 'one@test'
        $result = Install-SentinelKey -Session $userSession -PublicKeyFile $key.PublicKeyPath -ErrorAction Stop
        $result.Status | Should -Be 'Added'
        $result.Verified | Should -BeTrue
    }
}

Describe 'tinysshd: one channel per connection, closed after it' {
    BeforeAll {
        $tiny = Start-SentinelTinySsh
        $target = @{ ComputerName = $tiny.ComputerName; Port = $tiny.Port; KnownHostsFile = (New-TestKnownHostsFile); HostKeyPolicy = 'AcceptNew'; UserName = $tiny.UserName; KeyFile = $tiny.KeyPath }
        $sudoCredential = [pscredential]::new($tiny.UserName, (ConvertTo-SecureString $tiny.Password -AsPlainText -Force))
        $session = Connect-SentinelServer @target
    }

    AfterAll {
        Get-SentinelSession | Disconnect-SentinelServer
        Stop-SentinelTinySsh -Server $tiny
    }

    It 'runs every command of a session, one after the other, on a fresh connection once it knows, said once' {
        $lines = foreach ($n in 1..6) { Invoke-SentinelCommand -Session $session -Command "echo $n" -ErrorAction Stop -Verbose 4>&1 }
        ($lines | Where-Object { $_ -is [Sentinel.Results.CommandResult] }).Output | Should -Be (1..6 | ForEach-Object { "$_`n" })
        @($lines | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*closes the connection after one channel*' }).Count | Should -Be 1
        $session.State | Should -Be 'Open'
    }

    It 'runs several commands at once on one session, also on a new one that has yet to learn' {
        foreach ($on in $session, (Connect-SentinelServer @target)) {
            $results = @(Invoke-AtOnce -Session $on)
            $results | Sort-Object | Should -Be @('at-once-1', 'at-once-2', 'at-once-3', 'at-once-4')
        }
    }

    It 'ends a timed-out pipeline and says so only because it is gone: the check on the process group finds a channel' {
        $number = Get-Random -Minimum 100000 -Maximum 999999
        Invoke-SentinelCommand "yes $number | cat > /dev/null" -Session $session -Timeout 2 -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.CommandTimeout,*'
        $failure[0].Exception.Message | Should -BeLike '*was ended (SIGTERM to its process group)*'
        Get-RemoteProcess "yes $number" | Should -BeNullOrEmpty -Because 'the message claims the command ended'
        (Invoke-SentinelCommand 'echo usable' -Session $session -Timeout 20).Output | Should -Be "usable`n"
    }

    It 'runs sudo with a password (two channels, each on its own connection), also on a new session' {
        foreach ($on in $session, (Connect-SentinelServer @target)) {
            (Invoke-SentinelCommand -Session $on -Command 'id -u' -Sudo -SudoCredential $sudoCredential -ErrorAction Stop).Output | Should -Be "0`n"
        }
    }

    It 'reads a service and tests the connection with its services' {
        (Get-SentinelService nginx -Session $session -ErrorAction Stop).ComputerName | Should -Be $tiny.ComputerName
        $test = Test-SentinelConnection @target -Service nginx
        $test.Steps.Step | Should -Be @('TCP', 'Handshake', 'Authentication', 'Command', 'Service nginx')
        $test.Steps | Select-Object -First 4 | ForEach-Object { $_.Passed | Should -BeTrue -Because "$($_.Step): $($_.Detail)" }
        # Whether the machine's nginx runs is other tests' business: the check itself must run.
        $test.Steps[4].Detail | Should -Match '^nginx is (running|stopped)'
    }

    It 'copies up, down and into place under sudo, on a fresh session too' {
        $fresh = Connect-SentinelServer @target
        Assert-CopiesBothWays -Session $fresh -Name 'tiny-first' -SudoCredential $sudoCredential
        Assert-CopiesBothWays -Session $session -Name 'tiny'
    }

    It 'installs a key, which then logs in' {
        $key = New-SentinelKey -Path (Join-Path $TestDrive 'tiny-key') -Comment 'tiny@test'
        $result = Install-SentinelKey -Session $session -PublicKeyFile $key.PublicKeyPath -ErrorAction Stop
        $result.Status | Should -Be 'Added'
        $result.Verified | Should -BeTrue
        $withNewKey = $target.Clone()
        $withNewKey.KeyFile = $key.Path
        (Invoke-SentinelCommand @withNewKey -Command 'whoami' -ErrorAction Stop).Output | Should -Be "$($tiny.UserName)`n"
    }
}

Describe 'tinysshd without an SFTP subsystem' {
    BeforeAll {
        $bare = Start-SentinelTinySsh -NoSftp
        $target = @{ ComputerName = $bare.ComputerName; Port = $bare.Port; KnownHostsFile = (New-TestKnownHostsFile); HostKeyPolicy = 'AcceptNew'; UserName = $bare.UserName; KeyFile = $bare.KeyPath }
    }

    AfterAll {
        Get-SentinelSession | Disconnect-SentinelServer
        Stop-SentinelTinySsh -Server $bare
    }

    It 'fails a copy with a Sentinel error that names SFTP, not a lost connection' {
        $local = Join-Path $TestDrive 'no-sftp.txt'
        Set-Content -Path $local -Value 'x'
        $session = Connect-SentinelServer @target
        $null = Invoke-SentinelCommand -Session $session -Command 'true' -ErrorAction Stop
        Copy-SentinelItem -Session $session -Path $local -Destination '~/no-sftp.txt' -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FileCopyFailed,*'
        $failure[0].Exception.Message | Should -BeLike '*SFTP*'
    }
}
