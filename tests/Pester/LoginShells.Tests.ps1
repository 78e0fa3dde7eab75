# Commands whatever the user's login shell: sshd hands every command line to it, and fish reads
# neither POSIX syntax nor POSIX quoting. The lab's fish user (login shell /usr/bin/fish) against the
# lab user (bash) on one loopback sshd, which also reads ~/.ssh/authorized_keys for Install-SentinelKey.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -AuthorizedKeysFile '/var/lib/sentinel-lab/authorized_keys/%u .ssh/authorized_keys'
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $target = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; KnownHostsFile = $knownHosts }
    $password = (Get-SentinelLabCredential -Lab $lab).Password
    $fishCredential = [pscredential]::new($lab.FishUserName, $password)
    $fish = Connect-SentinelServer @target -Credential $fishCredential
    $bash = Connect-SentinelServer @target -Credential (Get-SentinelLabCredential -Lab $lab)
    $fishHome = (& getent passwd $lab.FishUserName).Split(':')[5]
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'A fish login shell' {
    It 'is the fish user''s login shell in the lab' {
        (& getent passwd $lab.FishUserName).Split(':')[6] | Should -Be '/usr/bin/fish'
    }

    It 'prints a command''s output and nothing of fish''s own' {
        $result = Invoke-SentinelCommand 'id -un' -Session $fish
        $result.Output | Should -BeExactly "$($lab.FishUserName)`n"
        $result.Error | Should -BeExactly ''
        $result.ExitCode | Should -Be 0
    }

    It 'runs a POSIX line, not a fish one: $(...), && and a variable' {
        $result = Invoke-SentinelCommand 'x=$(echo one) && echo "$x-two"' -Session $fish
        $result.Output | Should -BeExactly "one-two`n"
        $result.ExitCode | Should -Be 0
    }

    It 'gives cat an stdin at end-of-file when there is no input' {
        $result = Invoke-SentinelCommand 'cat' -Session $fish -Timeout 20
        $result.Output | Should -BeExactly ''
        $result.ExitCode | Should -Be 0
    }

    It 'feeds pipeline input' {
        ('zulu', 'alpha' | Invoke-SentinelCommand 'sort' -Session $fish -Timeout 20).Output | Should -BeExactly "alpha`nzulu`n"
    }

    It 'runs a password-protected -Sudo command with the password' {
        $result = Invoke-SentinelCommand 'whoami' -Session $fish -Sudo -Timeout 20
        $result.Output | Should -BeExactly "root`n"
        $result.Error | Should -BeExactly ''
    }

    It 'runs a compound -Sudo line whole as root' {
        $result = Invoke-SentinelCommand 'id -u; id -un' -Session $fish -Sudo -Timeout 20
        $result.Output | Should -BeExactly "0`nroot`n"
    }

    It 'runs a NOPASSWD -Sudo command' {
        $result = Invoke-SentinelCommand '/usr/bin/id -u' -Session $fish -Sudo -Timeout 20
        $result.Output | Should -BeExactly "0`n"
    }

    It 'reports a refused password as one, not as a plain exit' {
        $wrong = [pscredential]::new($lab.FishUserName, (ConvertTo-SecureString 'Not-The-Password-1' -AsPlainText -Force))
        { Invoke-SentinelCommand 'whoami' -Session $fish -Sudo -SudoCredential $wrong -Timeout 20 -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.SudoPasswordWrong*'
    }

    It 'writes exactly the bytes of a line with quotes, backslashes, $ and newlines, as for bash: <Display>' -ForEach @(
        @{ Display = 'single quote'; Text = "it's" }
        @{ Display = 'escaped quote'; Text = "a\'b" }
        @{ Display = 'backslashes'; Text = 'c:\dir\\share\' }
        @{ Display = 'dollar and backtick'; Text = '$HOME `id` $(id)' }
        @{ Display = 'newlines'; Text = "one`ntwo`n`nthree" }
        @{ Display = 'double quotes'; Text = 'say "hi" \"there\"' }
    ) {
        $quoted = "'" + $Text.Replace("'", "'\''") + "'"
        foreach ($session in $fish, $bash) {
            $result = Invoke-SentinelCommand "printf '%s' $quoted" -Session $session -Timeout 20
            $result.Output | Should -BeExactly $Text -Because "$($session.UserName)'s login shell"
            $result.ExitCode | Should -Be 0
        }
    }

    It 'runs the same bytes under -Sudo, as root and nowhere unprivileged' {
        $text = "x\'y \\ `$z"
        $quoted = "'" + $text.Replace("'", "'\''") + "'"
        $result = Invoke-SentinelCommand "printf '%s' $quoted; id -u" -Session $fish -Sudo -Timeout 20
        $result.Output | Should -BeExactly "${text}0`n"
    }

    It 'ends a timed-out command line and says so only once it is gone' {
        $number = 5100 + (Get-Random -Maximum 800)
        Invoke-SentinelCommand "sleep $number | cat" -Session $fish -Timeout 2 -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].Exception.Message | Should -BeLike '*was ended (SIGTERM to its process group)*'
        Get-RemoteProcess "sleep $number" | Should -BeNullOrEmpty
    }

    It 'reads a service and tests the connection with it' {
        $service = Get-SentinelService -Session $fish -Name nginx -ErrorAction Stop
        $service.Name | Should -Be 'nginx'
        $service.State | Should -Be 'Running'
        $test = Test-SentinelConnection @target -Credential $fishCredential -Service nginx
        ($test.Steps | Where-Object Step -eq 'Service nginx').Passed | Should -BeTrue
    }

    It 'copies up and down, and with -Sudo into a root-owned directory' {
        $local = Join-Path $TestDrive 'fish-copy.txt'
        Set-Content -Path $local -Value 'from fish' -NoNewline
        $unique = [guid]::NewGuid().ToString('N').Substring(0, 8)
        $root = "/srv/sentinel-fish-$unique"
        $remote = "$fishHome/fish-copy-$unique.txt"
        New-Item -ItemType Directory -Path $root | Out-Null
        try {
            (Copy-SentinelItem -Path $local -Destination $remote -Session $fish -ErrorAction Stop).Action | Should -Be 'Copied'
            $back = Join-Path $TestDrive 'fish-back.txt'
            Copy-SentinelItem -Path $remote -Destination $back -FromSession $fish -ErrorAction Stop | Out-Null
            Get-Content $back -Raw | Should -Be 'from fish'
            Copy-SentinelItem -Path $local -Destination "$root/placed.txt" -Session $fish -Sudo -ErrorAction Stop | Out-Null
            Get-Content "$root/placed.txt" -Raw | Should -Be 'from fish'
        }
        finally {
            Remove-Item $root -Recurse -Force
            Remove-Item $remote -Force -ErrorAction SilentlyContinue
        }
    }

    It 'installs a key with Install-SentinelKey: the file holds it' {
        Remove-Item "$fishHome/.ssh" -Recurse -Force -ErrorAction SilentlyContinue
        $key = New-SentinelKey -Path (Join-Path $TestDrive 'fish-key') -Comment 'fish@test'
        $result = Install-SentinelKey -Session $fish -PublicKeyFile $key.PublicKeyPath
        $result.Status | Should -Be 'Added'
        $result.Verified | Should -BeTrue
        [IO.File]::ReadAllText("$fishHome/.ssh/authorized_keys") | Should -BeExactly "$($key.PublicKey)`n"
    }

    It 'passes Test-SentinelConnection with the true whoami' {
        $result = Test-SentinelConnection @target -Credential $fishCredential
        $result.Passed | Should -BeTrue
        ($result.Steps | Where-Object Step -eq 'Command').Detail | Should -BeExactly "whoami: $($lab.FishUserName)"
    }
}
