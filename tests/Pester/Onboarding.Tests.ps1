# Onboarding a server as the README tells users to: make a key (New-SentinelKey), install it
# (Install-SentinelKey, against an sshd reading ~/.ssh/authorized_keys, for a throwaway user whose ~/.ssh
# does not exist yet), and check sudo (Test-SentinelPrivilege, against the lab's sudoers).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $script:RepoRoot 'tests/lab/SentinelNeighbour.psm1') -Force
    $throwaway = "sentinel-onb-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
    $lab = Start-SentinelLab -AuthorizedKeysFile '.ssh/authorized_keys' -AllowUser $throwaway
    & useradd --create-home --shell /bin/bash $throwaway
    "${throwaway}:$($lab.Password)" | & chpasswd
    $userHome = (& getent passwd $throwaway).Split(':')[5]
    $credential = Get-SentinelLabCredential -Lab $lab
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $target = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; KnownHostsFile = $knownHosts }
    $newUserSession = Connect-SentinelServer @target -Credential ([pscredential]::new($throwaway, $credential.Password))
    $keyFolder = Join-Path $TestDrive 'keys'

    function Get-Mode([string]$Path) { (& stat -c '%a' $Path).Trim() }
    function Get-Hash([string]$Path) { (Get-FileHash $Path -Algorithm SHA256).Hash }
    function Get-AuthorizedKeysText { [IO.File]::ReadAllText("$userHome/.ssh/authorized_keys") }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
    & userdel --remove $throwaway 2>$null
}

Describe 'New-SentinelKey' {
    It 'writes an unencrypted ed25519 pair that ssh-keygen reads, private file mode 600' {
        $path = Join-Path $keyFolder 'plain'
        $result = New-SentinelKey -Path $path -Comment 'ops@onboarding'
        $result.Path | Should -Be $path
        $result.PublicKeyPath | Should -Be "$path.pub"
        $result.KeyType | Should -Be 'ssh-ed25519'
        $result.Encrypted | Should -BeFalse
        $result.Comment | Should -Be 'ops@onboarding'
        Get-Mode $path | Should -Be '600'
        Get-Mode $keyFolder | Should -Be '700'
        Get-Content "$path.pub" -Raw | Should -BeExactly "$($result.PublicKey)`n"
        $result.PublicKey | Should -BeLike 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5* ops@onboarding'

        $derived = & ssh-keygen -y -P '' -f $path
        $LASTEXITCODE | Should -Be 0
        $derived | Should -BeExactly $result.PublicKey -Because 'ssh-keygen -y derives the public key (and reads the comment) from the private file'

        Get-HostKeyFingerprint -PublicKeyPath "$path.pub" | Should -Be $result.Fingerprint
    }

    It 'encrypts with the passphrase: ssh-keygen -y needs it, and a wrong one is refused' {
        $path = Join-Path $keyFolder 'encrypted'
        $passphrase = ConvertTo-SecureString 'Onboard-Pass-7' -AsPlainText -Force
        $result = New-SentinelKey -Path $path -Passphrase $passphrase
        $result.Encrypted | Should -BeTrue
        $result.Comment | Should -Be "$([Environment]::UserName)@$([Environment]::MachineName)"
        Get-Mode $path | Should -Be '600'
        (& ssh-keygen -y -P 'Onboard-Pass-7' -f $path) | Should -BeExactly $result.PublicKey
        $LASTEXITCODE | Should -Be 0
        & ssh-keygen -y -P 'wrong' -f $path 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
        & ssh-keygen -y -P '' -f $path 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'refuses to overwrite a key pair without -Force, and leaves it as it was' {
        $path = Join-Path $keyFolder 'kept'
        $first = New-SentinelKey -Path $path
        $before = Get-Hash $path
        { New-SentinelKey -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.KeyFileExists*'
        Get-Hash $path | Should -Be $before

        Remove-Item $path
        { New-SentinelKey -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.KeyFileExists*' -Because 'the .pub file is still there'

        $replaced = New-SentinelKey -Path $path -Force
        $replaced.Fingerprint | Should -Not -Be $first.Fingerprint
    }

    It 'reports an existing key pair as a non-terminating error, as New-Item does, so -ErrorAction SilentlyContinue goes on' {
        $path = Join-Path $keyFolder 'existing'
        $null = New-SentinelKey -Path $path
        # A terminating error would land in the catch block whatever -ErrorAction says.
        $caught = $null
        try { $result = New-SentinelKey -Path $path -ErrorAction SilentlyContinue -ErrorVariable failures }
        catch { $caught = $_ }
        $caught | Should -BeNullOrEmpty
        $result | Should -BeNullOrEmpty
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.KeyFileExists*'
        $failures[0].TargetObject | Should -Be $path
        Get-Mode $path | Should -Be '600'
    }

    It 'leaves no moment in which another local user can open the private key: a neighbour watching the folder reads only the public key' {
        # A shared folder others may enter (as /tmp or a team's key folder would be), watched by a
        # neighbour who opens every file the moment it appears and reads it again as it grows.
        $shared = "/srv/sentinel-keys-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $shared | Out-Null
        & chmod 755 $shared
        $neighbour = Start-SentinelLabNeighbour -Path $shared
        try {
            # The window a chmod after the create leaves is short: many keys, and a few overwritten.
            $keys = foreach ($index in 1..40) {
                $path = Join-Path $shared "id_$index"
                $null = New-SentinelKey -Path $path
                if ($index % 4 -eq 0) { $null = New-SentinelKey -Path $path -Force }
                $path
            }
            Wait-Until { (Get-SentinelLabNeighbourLoot -Neighbour $neighbour).Loot.Path -contains "$($keys[-1]).pub" } -TimeoutSeconds 30 |
                Should -BeTrue -Because 'the neighbour reads every public key, so it was watching'
            $got = Get-SentinelLabNeighbourLoot -Neighbour $neighbour
        }
        finally {
            Stop-SentinelLabNeighbour -Neighbour $neighbour
            Remove-Item $shared -Recurse -Force
        }
        # The private key's files: id_N and its temporary copies; the rest are the public key's.
        $private = { $_ -notlike '*.pub' -and $_ -notlike '*.pub.*.tmp' }
        $got.Loot | Where-Object { $_.Path | Where-Object $private } | ForEach-Object { "$($_.Path) ($($_.Bytes) bytes)" } | Should -BeNullOrEmpty
        $got.Loot | Where-Object Content -Match 'PRIVATE KEY' | Should -BeNullOrEmpty
        $got.Opened | Where-Object $private | Should -BeNullOrEmpty -Because 'no private key file or temporary copy of one was ever readable'
        $got.Seen | Where-Object { $_.Type -eq 'file' -and ($_.Path | Where-Object $private) -and $_.Mode -ne '0600' } |
            ForEach-Object { "$($_.Path) $($_.Mode)" } | Should -BeNullOrEmpty
        @($got.Seen | Where-Object { $_.Path | Where-Object $private }).Count | Should -BeGreaterThan 40 -Because 'the neighbour saw the private files appear'
    }

    It 'writes nothing under -WhatIf' {
        $path = Join-Path $keyFolder 'whatif'
        New-SentinelKey -Path $path -WhatIf | Should -BeNullOrEmpty
        Test-Path $path | Should -BeFalse
    }
}

Describe 'Install-SentinelKey' {
    BeforeAll {
        $key = New-SentinelKey -Path (Join-Path $keyFolder 'install') -Comment 'install@test'
        $passphrase = ConvertTo-SecureString 'Second-Key-Pass' -AsPlainText -Force
        $secondKey = New-SentinelKey -Path (Join-Path $keyFolder 'install-encrypted') -Comment 'second' -Passphrase $passphrase
    }

    It 'creates ~/.ssh (700) and authorized_keys (600) for a user who has none, adds the key, and proves it logs in' {
        Test-Path "$userHome/.ssh" | Should -BeFalse -Because 'the throwaway user starts without ~/.ssh'
        $audit = Join-Path $TestDrive 'install-audit.jsonl'
        $SentinelAuditLog = $audit

        $result = Install-SentinelKey -Session $newUserSession -PublicKeyFile $key.PublicKeyPath
        $result.Status | Should -Be 'Added'
        $result.Verified | Should -BeTrue
        $result.VerifyError | Should -BeNullOrEmpty
        $result.UserName | Should -Be $throwaway
        $result.Fingerprint | Should -Be $key.Fingerprint
        $result.Path | Should -Be '~/.ssh/authorized_keys'

        Get-Mode "$userHome/.ssh" | Should -Be '700'
        Get-Mode "$userHome/.ssh/authorized_keys" | Should -Be '600'
        (& stat -c '%U' "$userHome/.ssh/authorized_keys").Trim() | Should -Be $throwaway
        Get-AuthorizedKeysText | Should -BeExactly "$($key.PublicKey)`n"

        # The key reached the host on stdin: no command line Sentinel ran holds it.
        Wait-Until { (Test-Path $audit) -and @(Get-Content $audit).Count -ge 2 } | Should -BeTrue
        $blob = $key.PublicKey.Split(' ')[1]
        Get-Content $audit -Raw | Should -Not -BeLike "*$blob*"
    }

    It 'adds nothing the second time and still proves the login' {
        $before = Get-AuthorizedKeysText
        $result = Install-SentinelKey -Session $newUserSession -PublicKeyFile $key.PublicKeyPath
        $result.Status | Should -Be 'AlreadyPresent'
        $result.Verified | Should -BeTrue
        Get-AuthorizedKeysText | Should -BeExactly $before
    }

    It 'recognises the key behind options and another comment, and leaves the file alone' {
        $other = "no-port-forwarding,command=`"echo hi there`" $($key.PublicKey.Split(' ')[0..1] -join ' ') a different comment"
        [IO.File]::WriteAllText("$userHome/.ssh/authorized_keys", "$other`n")
        $result = Install-SentinelKey -Session $newUserSession -PublicKeyFile $key.PublicKeyPath
        $result.Status | Should -Be 'AlreadyPresent'
        $result.Verified | Should -BeTrue
        Get-AuthorizedKeysText | Should -BeExactly "$other`n"
    }

    It 'appends after other lines without rewriting them, even when the file does not end with a newline' {
        $existing = "# managed by hand`nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C someone-else"
        [IO.File]::WriteAllText("$userHome/.ssh/authorized_keys", $existing)
        $result = Install-SentinelKey -Session $newUserSession -PublicKeyFile $secondKey.PublicKeyPath -KeyPassphrase $passphrase
        $result.Status | Should -Be 'Added'
        $result.Verified | Should -BeTrue
        Get-AuthorizedKeysText | Should -BeExactly "$existing`n$($secondKey.PublicKey)`n"

        # The encrypted key New-SentinelKey wrote logs in with its passphrase, as any key would.
        $keySession = Connect-SentinelServer @target -UserName $throwaway -KeyFile $secondKey.Path -KeyPassphrase $passphrase
        (Invoke-SentinelCommand 'id -un' -Session $keySession).Output | Should -Be "$throwaway`n"
    }

    It 'says Verified is false, with the reason, when the private key does not match' {
        $unrelated = New-SentinelKey -Path (Join-Path $keyFolder 'unrelated')
        $result = Install-SentinelKey -Session $newUserSession -PublicKeyFile $key.PublicKeyPath -KeyFile $unrelated.Path -WarningVariable warned -WarningAction SilentlyContinue
        $result.Verified | Should -BeFalse
        $result.VerifyError | Should -BeLike "*$throwaway*"
        $warned | Should -Not -BeNullOrEmpty
    }

    It 'changes nothing under -WhatIf' {
        $before = Get-AuthorizedKeysText
        $third = New-SentinelKey -Path (Join-Path $keyFolder 'whatif-install')
        Install-SentinelKey -Session $newUserSession -PublicKeyFile $third.PublicKeyPath -WhatIf | Should -BeNullOrEmpty
        Get-AuthorizedKeysText | Should -BeExactly $before
    }

    It 'refuses a hostile public key file before contacting the host: <Case>' -ForEach @(
        @{ Case = 'two keys'; Text = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C a`nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C b`n" }
        @{ Case = 'options smuggled in'; Text = "command=`"touch /tmp/pwned`" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C x`n" }
        @{ Case = 'a carriage return in the comment'; Text = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPB40YLcmo9EBt8RVIfVfz0xSTA7E+RdQqY96c5bbH2C a`rssh-rsa AAAA`n" }
        @{ Case = 'base64 that is not a key'; Text = "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x`n" }
        @{ Case = 'not base64'; Text = "ssh-ed25519 !!!notbase64!!! x`n" }
        @{ Case = 'a private key'; Text = "-----BEGIN OPENSSH PRIVATE KEY-----`nb3BlbnNzaC1rZXktdjE=`n-----END OPENSSH PRIVATE KEY-----`n" }
        @{ Case = 'empty'; Text = '' }
    ) {
        $before = Get-AuthorizedKeysText
        $path = Join-Path $TestDrive "hostile-$([guid]::NewGuid().ToString('N')).pub"
        [IO.File]::WriteAllText($path, $Text)
        New-Item -ItemType File -Path ($path -replace '\.pub$', '') -Force | Out-Null
        { Install-SentinelKey -Session $newUserSession -PublicKeyFile $path -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.PublicKeyInvalid*'
        Get-AuthorizedKeysText | Should -BeExactly $before
    }
}

Describe 'Test-SentinelPrivilege' {
    BeforeAll {
        $sentinel = Connect-SentinelServer @target -Credential $credential
        $noPassword = Connect-SentinelServer @target -Credential ([pscredential]::new($lab.NoPasswordRuleUserName, $credential.Password))
        $tty = Connect-SentinelServer @target -Credential ([pscredential]::new($lab.TtyUserName, $credential.Password))
    }

    It 'finds every SysV action on nginx allowed without a password: /usr/sbin/service matches any arguments, nginx -t exactly' {
        $rows = Test-SentinelPrivilege -Session $sentinel -Service nginx
        $rows.Action | Should -Be @('Status', 'Start', 'Stop', 'Restart', 'ConfigTest')
        $rows | ForEach-Object { $_.Manager | Should -Be 'SysV'; $_.Service | Should -Be 'nginx' }
        ($rows | Where-Object Action -EQ 'Status').Access | Should -Be 'NotNeeded'
        $restart = $rows | Where-Object Action -EQ 'Restart'
        $restart.Command | Should -Be '/usr/sbin/service nginx restart'
        $restart.Access | Should -Be 'NoPassword'
        $restart.SudoersLine | Should -BeNullOrEmpty
        $restart.Detail | Should -BeLike '*NOPASSWD: /usr/sbin/service*'
        $test = $rows | Where-Object Action -EQ 'ConfigTest'
        $test.Command | Should -Be '/usr/sbin/nginx -t'
        $test.Access | Should -Be 'NoPassword'
        $rows | Where-Object { -not $_.Allowed } | Should -BeNullOrEmpty
    }

    It 'finds a command outside the NOPASSWD rules allowed with a password, and suggests its line' {
        $test = Test-SentinelPrivilege -Session $sentinel -Service ssh | Where-Object Action -EQ 'ConfigTest'
        $test.Command | Should -Be '/usr/sbin/sshd -t'
        $test.Access | Should -Be 'Password'
        $test.SudoersLine | Should -BeExactly 'sentinel ALL=(ALL) NOPASSWD: /usr/sbin/sshd -t'
    }

    It 'finds nothing allowed for a user whose rules cover other commands, with the least-privilege lines' {
        $rows = Test-SentinelPrivilege -Session $noPassword -Service nginx
        $user = $lab.NoPasswordRuleUserName
        $rows | Where-Object Action -NE 'Status' | ForEach-Object { $_.Access | Should -Be 'NotAllowed' }
        ($rows | Where-Object Action -EQ 'Restart').SudoersLine | Should -BeExactly "$user ALL=(ALL) NOPASSWD: /usr/sbin/service nginx restart"
        ($rows | Where-Object Action -EQ 'ConfigTest').SudoersLine | Should -BeExactly "$user ALL=(ALL) NOPASSWD: /usr/sbin/nginx -t"
        @($rows.SudoersLine | Where-Object { $_ }).Count | Should -Be 4
    }

    It 'checks docker by group membership' {
        (Test-SentinelPrivilege -Session $sentinel -Container).Access | Should -Be 'NoPassword' -Because 'the lab user is in the docker group'
        $docker = Test-SentinelPrivilege -Session $noPassword -Container
        $docker.Action | Should -Be 'Docker'
        $docker.Access | Should -Be 'NotAllowed'
        $docker.Detail | Should -BeLike '*usermod -aG docker*'
    }

    It 'says sudo cannot be used at all under requiretty' {
        $rows = Test-SentinelPrivilege -Session $tty -Service nginx | Where-Object Action -EQ 'Restart'
        $rows.Access | Should -Be 'NotAllowed'
        $rows.Detail | Should -BeLike '*requiretty*'
    }

    It 'says it cannot tell when sudo -l itself wants a password, and never sends one' {
        $row = Test-SentinelPrivilege -Session $newUserSession -Service nginx | Where-Object Action -EQ 'Restart'
        $row.Access | Should -Be 'Unknown'
        $row.Detail | Should -BeLike '*wants a password*'
        $row.SudoersLine | Should -BeExactly "$throwaway ALL=(ALL) NOPASSWD: /usr/sbin/service nginx restart"
    }

    It 'refuses a service name that is not one before anything runs' {
        Test-SentinelPrivilege -Session $sentinel -Service 'nginx; touch /tmp/x' -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.InvalidServiceName*'
    }
}
