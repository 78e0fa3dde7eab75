BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $credential = Get-SentinelLabCredential -Lab $lab
    $labTarget = @{ ComputerName = $lab.ComputerName; Port = $lab.Port }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Connect-SentinelServer authentication' {
    BeforeEach { $knownHosts = New-TestKnownHostsFile }
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'authenticates with a password from a PSCredential and emits a typed session' {
        $session = Connect-SentinelServer @labTarget -Credential $credential -KnownHostsFile $knownHosts
        $session | Should -BeOfType ([Sentinel.Results.SentinelSession])
        $session.State | Should -Be 'Open'
        $session.ComputerName | Should -Be $lab.ComputerName
        $session.Port | Should -Be $lab.Port
        $session.UserName | Should -Be 'sentinel'
        $session.HostKeyFingerprint | Should -Be (Get-HostKeyFingerprint "$($lab.HostKeyPath).pub")
        $session.ServerVersion | Should -BeLike 'SSH-2.0-OpenSSH*'
        $session.ConnectedAt | Should -BeGreaterThan (Get-Date).AddMinutes(-1)
    }

    It 'authenticates from SSH_HOST, SSH_PORT, SSH_USER and SSH_PASS alone' {
        $saved = @{}
        foreach ($name in 'SSH_HOST', 'SSH_PORT', 'SSH_USER', 'SSH_PASS') { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            $env:SSH_HOST = $lab.ComputerName
            $env:SSH_PORT = "$($lab.Port)"
            $env:SSH_USER = $lab.UserName
            $env:SSH_PASS = $lab.Password
            $session = Connect-SentinelServer -KnownHostsFile $knownHosts
            $session.ComputerName | Should -Be $lab.ComputerName
            $session.Port | Should -Be $lab.Port
            (Invoke-SentinelCommand 'whoami' -Session $session).Output.Trim() | Should -Be 'sentinel'
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    It 'authenticates with a key file, with ~ expanded' {
        $homeKey = Join-Path $HOME "sentinel-test-key-$PID"
        Copy-Item $lab.KeyPath $homeKey
        try {
            $session = Connect-SentinelServer @labTarget -KeyFile "~/$(Split-Path $homeKey -Leaf)" -KnownHostsFile $knownHosts
            $session.State | Should -Be 'Open'
        }
        finally { Remove-Item $homeKey }
    }

    It 'authenticates with an encrypted key and its passphrase' {
        $passphrase = ConvertTo-SecureString $lab.KeyPassphrase -AsPlainText -Force
        $session = Connect-SentinelServer @labTarget -KeyFile $lab.EncryptedKeyPath -KeyPassphrase $passphrase -KnownHostsFile $knownHosts
        $session.State | Should -Be 'Open'
    }

    It 'says clearly that an encrypted key needs its passphrase' {
        { Connect-SentinelServer @labTarget -KeyFile $lab.EncryptedKeyPath -KnownHostsFile $knownHosts -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.KeyPassphraseRequired,*'
        $Error[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $Error[0].Exception.Message | Should -BeLike "*$($lab.EncryptedKeyPath)*encrypted*"
    }

    It 'tells a wrong passphrase apart, without echoing it' {
        $wrong = ConvertTo-SecureString 'not-the-passphrase' -AsPlainText -Force
        { Connect-SentinelServer @labTarget -KeyFile $lab.EncryptedKeyPath -KeyPassphrase $wrong -KnownHostsFile $knownHosts -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.KeyPassphraseWrong,*'
        $Error[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        Get-ErrorText $Error[0] | Should -Not -BeLike '*not-the-passphrase*'
    }

    It 'reports a missing key file and an invalid one with their own ids' {
        { Connect-SentinelServer @labTarget -KeyFile (Join-Path $TestDrive 'absent') -KnownHostsFile $knownHosts -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.KeyFileNotFound,*'
        $Error[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        { Connect-SentinelServer @labTarget -KeyFile "$($lab.KeyPath).pub" -KnownHostsFile $knownHosts -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.KeyFileInvalid,*'
        $Error[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'refuses a wrong password with an authentication error naming the host, and no secret anywhere' {
        $wrong = [pscredential]::new('sentinel', (ConvertTo-SecureString 'Wrong-Password-42' -AsPlainText -Force))
        $verbose = Connect-SentinelServer @labTarget -Credential $wrong -KnownHostsFile $knownHosts -ErrorVariable failure -ErrorAction SilentlyContinue -Verbose 4>&1
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.AuthenticationFailed,*'
        $failure[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $failure[0].TargetObject | Should -Be $lab.ComputerName
        $failure[0].Exception.Message | Should -BeLike "*$($lab.ComputerName)*sentinel*"
        $failure[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-ErrorText $failure[0] | Should -Not -BeLike '*Wrong-Password-42*'
        ($verbose | Out-String) | Should -Not -BeLike '*Wrong-Password-42*'
        Get-SentinelSession | Should -BeNullOrEmpty
    }

    It 'never prompts: it works in a non-interactive pwsh' {
        $script = @"
`$env:SSH_PASS = '$($lab.Password)'
Import-Module '$ModulePath'
`$s = Connect-SentinelServer -ComputerName $($lab.ComputerName) -Port $($lab.Port) -KnownHostsFile '$knownHosts' -ErrorAction Stop
(Invoke-SentinelCommand 'echo non-interactive-ok').Output
"@
        $output = Invoke-ChildPwsh -Script $script
        $LASTEXITCODE | Should -Be 0
        ($output | Out-String) | Should -BeLike '*non-interactive-ok*'
    }
}

Describe 'Connect-SentinelServer authentication failures say what the server accepts' {
    # As ssh's "Permission denied (publickey)": the error names the methods the server accepts (its
    # USERAUTH_FAILURE list), hints only at those, and explains a partial success (AuthenticationMethods).
    BeforeAll {
        $keyOnly = Start-SentinelLab -NoNginx -ExtraConfig 'PasswordAuthentication no', 'KbdInteractiveAuthentication no'
        $keyAndPassword = Start-SentinelLab -NoNginx -ExtraConfig 'AuthenticationMethods publickey,password'
        $savedHome = $env:HOME; $savedSock = $env:SSH_AUTH_SOCK; $savedPass = $env:SSH_PASS
        # No default key in ~/.ssh and no agent: each test offers exactly what it names.
        $env:HOME = Join-Path $TestDrive 'authentication-home'
        New-Item -ItemType Directory -Path $env:HOME | Out-Null
        $env:SSH_AUTH_SOCK = $null; $env:SSH_PASS = $null
        $wrong = [pscredential]::new($keyOnly.UserName, (ConvertTo-SecureString 'Not-The-Password-9' -AsPlainText -Force))

        function Get-ConnectFailure {
            param([Parameter(Mandatory)]$Lab, [hashtable]$With)
            $failure = $null
            Connect-SentinelServer -ComputerName $Lab.ComputerName -Port $Lab.Port -KnownHostsFile (New-TestKnownHostsFile) -ConnectTimeout 10 @With -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
            @($failure).Count | Should -Be 1
            $failure[0]
        }

        function Invoke-Ssh {
            param([Parameter(Mandatory)]$Lab, [string[]]$Options)
            $output = & ssh -p $Lab.Port -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null `
                -o ConnectTimeout=10 -F /dev/null @Options "$($Lab.UserName)@$($Lab.ComputerName)" true 2>&1
            $output -join "`n"
        }
    }
    AfterAll {
        Get-SentinelSession | Disconnect-SentinelServer
        $env:HOME = $savedHome; $env:SSH_AUTH_SOCK = $savedSock; $env:SSH_PASS = $savedPass
        Stop-SentinelLab -Lab $keyOnly
        Stop-SentinelLab -Lab $keyAndPassword
    }

    It 'says a publickey-only server refused the password with Permission denied (publickey), as ssh, and hints at a key' {
        $failure = Get-ConnectFailure -Lab $keyOnly -With @{ Credential = (Get-SentinelLabCredential -Lab $keyOnly) }
        $failure.FullyQualifiedErrorId | Should -BeLike 'Sentinel.AuthenticationFailed,*'
        $failure.Exception.Message | Should -BeLike "*refused to authenticate 'sentinel' (offered: password, keyboard-interactive): Permission denied (publickey)*"
        $failure.ErrorDetails.RecommendedAction | Should -BeLike "The server accepts only publickey for 'sentinel', so the password was not sent: pass -KeyFile*ssh-agent*"
        $failure.ErrorDetails.RecommendedAction | Should -Not -BeLike '*Check the user name*'
        Invoke-Ssh -Lab $keyOnly -Options '-o', 'PubkeyAuthentication=no' | Should -BeLike '*Permission denied (publickey)*'
    }

    It 'gives Test-SentinelConnection the same hint for it' {
        $result = Test-SentinelConnection -ComputerName $keyOnly.ComputerName -Port $keyOnly.Port -Credential $wrong -KnownHostsFile (New-TestKnownHostsFile)
        $result.FailedStep.Step | Should -Be 'Authentication'
        $result.FailedStep.Detail | Should -BeLike '*Permission denied (publickey)*'
        $result.FailedStep.Hint | Should -BeLike '*accepts only publickey*-KeyFile*'
        $result.FailedStep.Hint | Should -Not -BeLike '*Check the user name*'
    }

    It 'explains a key accepted where AuthenticationMethods requires the password too' {
        $failure = Get-ConnectFailure -Lab $keyAndPassword -With @{ KeyFile = $keyAndPassword.KeyPath }
        $failure.FullyQualifiedErrorId | Should -BeLike 'Sentinel.AuthenticationFailed,*'
        $failure.Exception.Message | Should -BeLike "*accepted the key of 'sentinel' but requires also password (offered: publickey ssh-ed25519 *)."
        $failure.ErrorDetails.RecommendedAction | Should -BeLike '*requires a password as well as the key (AuthenticationMethods*-Credential*'
        Get-Content $keyAndPassword.LogPath | Select-String 'Partial publickey for sentinel' | Should -Not -BeNullOrEmpty
    }

    It 'says the password was refused when the key was accepted and the password was wrong' {
        $failure = Get-ConnectFailure -Lab $keyAndPassword -With @{ KeyFile = $keyAndPassword.KeyPath; Credential = $wrong }
        $failure.Exception.Message | Should -BeLike "*accepted the key of 'sentinel' but requires also password*; the password was refused."
        $failure.ErrorDetails.RecommendedAction | Should -BeLike "Check the password of 'sentinel'*"
        Get-ErrorText $failure | Should -Not -BeLike '*Not-The-Password-9*'
    }

    It 'connects with the key and the password together' {
        $session = Connect-SentinelServer -ComputerName $keyAndPassword.ComputerName -Port $keyAndPassword.Port -KnownHostsFile (New-TestKnownHostsFile) `
            -KeyFile $keyAndPassword.KeyPath -Credential (Get-SentinelLabCredential -Lab $keyAndPassword) -ErrorAction Stop
        $session.State | Should -Be 'Open'
        (Invoke-SentinelCommand 'whoami' -Session $session).Output.Trim() | Should -Be 'sentinel'
    }
}

Describe 'Connect-SentinelServer host keys' {
    BeforeAll {
        # This block changes the host key, so it has an sshd of its own.
        $keyLab = Start-SentinelLab -NoNginx
        $keyTarget = @{ ComputerName = 'localhost'; Port = $keyLab.Port; Credential = $credential }
    }
    AfterAll { Stop-SentinelLab -Lab $keyLab }
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'records an unknown key in OpenSSH format under AcceptNew, then accepts it on reconnect' {
        $knownHosts = New-TestKnownHostsFile
        $first = Connect-SentinelServer @keyTarget -KnownHostsFile $knownHosts
        $lines = @(Get-Content $knownHosts)
        $lines.Count | Should -Be 1
        $lines[0] | Should -BeLike "``[localhost``]:$($keyLab.Port) ssh-ed25519 AAAA*"
        & ssh-keygen -F "[localhost]:$($keyLab.Port)" -f $knownHosts | Out-Null
        $LASTEXITCODE | Should -Be 0 -Because 'ssh-keygen -F finds the entry'

        $second = Connect-SentinelServer @keyTarget -KnownHostsFile $knownHosts -HostKeyPolicy Strict
        $second.HostKeyFingerprint | Should -Be $first.HostKeyFingerprint
        @(Get-Content $knownHosts).Count | Should -Be 1
    }

    It 'reads hashed known_hosts entries' {
        $knownHosts = New-TestKnownHostsFile
        Connect-SentinelServer @keyTarget -KnownHostsFile $knownHosts | Out-Null
        & ssh-keygen -H -f $knownHosts 2>&1 | Out-Null
        (Get-Content $knownHosts) | Should -BeLike '|1|*'
        (Connect-SentinelServer @keyTarget -KnownHostsFile $knownHosts -HostKeyPolicy Strict).State | Should -Be 'Open'
    }

    It 'refuses an unknown key under Strict and records nothing' {
        $knownHosts = New-TestKnownHostsFile
        { Connect-SentinelServer @keyTarget -KnownHostsFile $knownHosts -HostKeyPolicy Strict -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.HostKeyUnknown,*'
        $Error[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $knownHosts | Should -Not -Exist
    }

    It 'refuses a changed key under AcceptNew and Strict with both fingerprints, and accepts it under Ignore with a warning' {
        $knownHosts = New-TestKnownHostsFile
        $old = (Connect-SentinelServer @keyTarget -KnownHostsFile $knownHosts).HostKeyFingerprint
        Get-SentinelSession | Disconnect-SentinelServer
        Restart-SentinelLab -Lab $keyLab -NewHostKey
        $new = Get-HostKeyFingerprint "$($keyLab.HostKeyPath).pub"
        $new | Should -Not -Be $old

        foreach ($policy in 'AcceptNew', 'Strict') {
            Connect-SentinelServer @keyTarget -KnownHostsFile $knownHosts -HostKeyPolicy $policy -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.HostKeyMismatch,*'
            $failure[0].CategoryInfo.Category | Should -Be 'SecurityError'
            $failure[0].Exception.Message | Should -BeLike "*$new*"
            $failure[0].Exception.Message | Should -BeLike "*$old*"
            $failure[0].ErrorDetails.RecommendedAction | Should -BeLike "*ssh-keygen -R*localhost*$($keyLab.Port)*"
        }
        @(Get-Content $knownHosts).Count | Should -Be 1 -Because 'a refused key is never written'

        $session = Connect-SentinelServer @keyTarget -KnownHostsFile $knownHosts -HostKeyPolicy Ignore -WarningVariable warnings
        $session.State | Should -Be 'Open'
        $session.HostKeyFingerprint | Should -Be $new
        ($warnings | Out-String) | Should -BeLike "*$new*not verified*"
    }
}

Describe 'Connect-SentinelServer algorithms' {
    BeforeAll {
        function Get-Negotiated {
            # The negotiated algorithms, as SSH.NET reports them after the real key exchange with sshd.
            param([hashtable]$Extra = @{})
            $streams = Connect-SentinelServer @labTarget -Credential $credential -KnownHostsFile (New-TestKnownHostsFile) @Extra -Verbose 4>&1
            ($streams | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Where-Object Message -like 'Server *').Message
        }
    }
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'offers a post-quantum hybrid key exchange and AES-GCM first by default' {
        Get-Negotiated | Should -BeLike '*key exchange sntrup761x25519-sha512*cipher aes128-gcm@openssh.com*'
    }

    It 'negotiates <Name> with OpenSSH 9.2 through Sentinel''s own sntrup761 and runs a command' -ForEach @(
        @{ Name = 'sntrup761x25519-sha512' }, @{ Name = 'sntrup761x25519-sha512@openssh.com' }
    ) {
        # Both names map to Sentinel's implementation in SSH.NET's table (Sntrup761X25519KeyExchangeTests):
        # a wrong shared secret or exchange hash here fails the key exchange, not just the assertion.
        Get-Negotiated @{ KeyExchange = $Name } | Should -BeLike "*key exchange $Name,*"
        (Invoke-SentinelCommand 'echo sntrup-ok' -Session (Get-SentinelSession)).Output.Trim() | Should -Be 'sntrup-ok'
    }

    It 'negotiates exactly what -KeyExchange and -Cipher name' {
        Get-Negotiated @{ KeyExchange = 'curve25519-sha256'; Cipher = 'chacha20-poly1305@openssh.com' } |
            Should -BeLike '*key exchange curve25519-sha256,*cipher chacha20-poly1305@openssh.com*'
    }

    It 'refuses a name it does not implement before connecting, listing the supported ones' {
        { Connect-SentinelServer @labTarget -Credential $credential -KnownHostsFile (New-TestKnownHostsFile) -KeyExchange 'curve25519-sha256', 'kyber-of-my-own' -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.InvalidArgument,*'
        $Error[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $Error[0].Exception.Message | Should -BeLike "*'kyber-of-my-own'*curve25519-sha256*"
        @(Get-SentinelSession).Count | Should -Be 0
    }

    It 'names the mismatch when the server accepts none of the offered ciphers' {
        # OpenSSH 9 no longer accepts CBC ciphers; Sentinel offers one only when asked.
        { Connect-SentinelServer @labTarget -Credential $credential -KnownHostsFile (New-TestKnownHostsFile) -Cipher aes128-cbc -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.ConnectionFailed,*'
        $Error[0].Exception.Message | Should -BeLike '*encryption algorithm*aes128-gcm@openssh.com*'
        $Error[0].TargetObject | Should -Be $lab.ComputerName
    }

    It 'completes algorithm names and leaves the legacy ones out of the default offer' {
        $matches = (TabExpansion2 'Connect-SentinelServer -Cipher aes128-').CompletionMatches
        ($matches | Where-Object CompletionText -eq 'aes128-gcm@openssh.com').ToolTip | Should -BeLike '*offered by default*'
        ($matches | Where-Object CompletionText -eq 'aes128-cbc').ToolTip | Should -BeLike '*not offered unless named*'
        $kex = (TabExpansion2 'Connect-SentinelServer -KeyExchange diffie-hellman-group1-').CompletionMatches
        $kex.ToolTip | Should -BeLike '*not offered unless named*'
    }
}

Describe 'Connect-SentinelServer network failures' {
    It 'times out within ConnectTimeout + 2 s against a listener that never speaks' {
        $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $silent.Start()
        try {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            { Connect-SentinelServer -ComputerName 127.0.0.1 -Port $silent.LocalEndpoint.Port -Credential $credential -ConnectTimeout 2 -KnownHostsFile (New-TestKnownHostsFile) -ErrorAction Stop } |
                Should -Throw -ErrorId 'Sentinel.ConnectionTimeout,*'
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 4
            $Error[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $Error[0].TargetObject | Should -Be '127.0.0.1'
        }
        finally { $silent.Stop() }
    }

    It 'fails at once on a closed port' {
        $closed = Get-FreeTcpPort
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        { Connect-SentinelServer -ComputerName localhost -Port $closed -Credential $credential -KnownHostsFile (New-TestKnownHostsFile) -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.ConnectionRefused,*'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
        $Error[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $Error[0].Exception.Message | Should -BeLike "*localhost*$closed*"
    }

    It 'says Sentinel ended the connection, not the server, when the server''s banner line is over 8 KiB' {
        $portFile = Join-Path $TestDrive 'banner-proxy.port'
        $proxy = Start-Process -FilePath python3 -ArgumentList @((Join-Path $RepoRoot 'tests/lab/banner_proxy.py'), '--target-port', $lab.Port, '--line-bytes', 9000) -RedirectStandardOutput $portFile -PassThru
        try {
            Wait-Until { (Test-Path $portFile) -and (Get-Content $portFile -Raw) } | Should -BeTrue
            $port = [int](Get-Content $portFile -Raw)
            { Connect-SentinelServer -ComputerName 127.0.0.1 -Port $port -Credential $credential -KnownHostsFile (New-TestKnownHostsFile) -ErrorAction Stop } |
                Should -Throw -ErrorId 'Sentinel.ConnectionFailed,*'
            $Error[0].Exception.Message | Should -BeLike '*Sentinel ended the connection*8192 bytes*'
            $Error[0].Exception.Message | Should -Not -BeLike '*server closed*'
        }
        finally { Stop-Process -Id $proxy.Id -ErrorAction SilentlyContinue }
    }

    It 'reports an unknown host name' {
        { Connect-SentinelServer -ComputerName 'no-such-host.invalid' -Credential $credential -KnownHostsFile (New-TestKnownHostsFile) -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.UnknownHost,*'
        $Error[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'goes on with the other hosts when one fails' {
        $sessions = Connect-SentinelServer -ComputerName 127.0.0.1, 'no-such-host.invalid' -Port $lab.Port -Credential $credential -KnownHostsFile (New-TestKnownHostsFile) -ErrorVariable failures -ErrorAction SilentlyContinue
        @($sessions).Count | Should -Be 1
        $failures.Count | Should -Be 1
        $failures[0].TargetObject | Should -Be 'no-such-host.invalid'
        Get-SentinelSession | Disconnect-SentinelServer
    }
}
