BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $included = Join-Path $TestDrive 'included.conf'
    Set-Content $included @"
Host fromfile
    HostName $($lab.ComputerName)
    Port $($lab.Port)
    IdentityFile $($lab.KeyPath)
"@
    $config = Join-Path $TestDrive 'config'
    Set-Content $config @"
# A comment, and an option Sentinel does not know
ForwardAgent no

Host prod prod-alias
    HostName $($lab.ComputerName)
    Port $($lab.Port)
    User sentinel
    IdentityFile $($lab.KeyPath)
    UserKnownHostsFile $knownHosts

Host *.internal !bastion.internal
    HostName $($lab.ComputerName)
    Port 1
    ConnectTimeout 2

Host wrongport
    HostName $($lab.ComputerName)
    Port 1
    IdentityFile $($lab.KeyPath)

Host prod
    Port 9

Host fastkex
    HostName $($lab.ComputerName)
    Port $($lab.Port)
    IdentityFile $($lab.KeyPath)
    UserKnownHostsFile $knownHosts
    KexAlgorithms curve25519-sha256,mlkem1024-of-the-future
    Ciphers ^chacha20-poly1305@openssh.com

Host nokex
    HostName $($lab.ComputerName)
    Port $($lab.Port)
    IdentityFile $($lab.KeyPath)
    UserKnownHostsFile $knownHosts
    KexAlgorithms mlkem1024-of-the-future

Host via-nokex
    HostName $($lab.ComputerName)
    Port $($lab.Port)
    IdentityFile $($lab.KeyPath)
    ProxyJump nokex

Include $included

Host viacommand
    HostName $($lab.ComputerName)
    Port $($lab.Port)
    IdentityFile $($lab.KeyPath)
    UserKnownHostsFile $knownHosts
    ProxyCommand ssh -W %h:%p gateway.example

Host broken
    Port notanumber
    User
"@
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Reading ~/.ssh/config' {
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'connects to an alias like ssh does: HostName, Port, User, IdentityFile, first value wins' {
        $session = Connect-SentinelServer prod -ConfigFile $config -WarningAction SilentlyContinue
        $session.ComputerName | Should -Be 'prod'
        $session.Port | Should -Be $lab.Port -Because 'the first Port for prod wins over the later one'
        $session.UserName | Should -Be 'sentinel'
        (Invoke-SentinelCommand 'whoami' -Session $session).Output | Should -Be "sentinel`n"
    }

    It 'records the host key under the real HostName in the UserKnownHostsFile it names' {
        Connect-SentinelServer prod-alias -ConfigFile $config -WarningAction SilentlyContinue | Out-Null
        Get-Content $knownHosts | Should -BeLike "``[$($lab.ComputerName)``]:$($lab.Port) ssh-ed25519 *"
    }

    It 'follows Include' {
        (Connect-SentinelServer fromfile -ConfigFile $config -KnownHostsFile $knownHosts -WarningAction SilentlyContinue).Port | Should -Be $lab.Port
    }

    It 'applies wildcard and negated Host patterns' {
        $credential = Get-SentinelLabCredential -Lab $lab
        Connect-SentinelServer 'db.internal' -ConfigFile $config -Credential $credential -KnownHostsFile $knownHosts -ErrorVariable failure -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ConnectionRefused,*' -Because '*.internal sends it to the lab address on port 1'
        $failure[0].Exception.Message | Should -BeLike '*db.internal*port 1*'
        Connect-SentinelServer 'bastion.internal' -ConfigFile $config -Credential $credential -KnownHostsFile $knownHosts -ErrorVariable failure -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.UnknownHost,*' -Because '!bastion.internal keeps the block from applying'
    }

    It 'offers the KexAlgorithms and Ciphers of the block, skipping with a warning a name Sentinel lacks' {
        $streams = Connect-SentinelServer fastkex -ConfigFile $config -Verbose -WarningVariable warnings 4>&1 3>$null
        ($streams | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Where-Object Message -like 'Server *').Message |
            Should -BeLike '*key exchange curve25519-sha256,*cipher chacha20-poly1305@openssh.com*'
        @($warnings | Where-Object { "$_" -like '*KexAlgorithms*fastkex*mlkem1024-of-the-future*skipped*' }).Count | Should -Be 1
    }

    It 'lets -KeyExchange win over KexAlgorithms' {
        $streams = Connect-SentinelServer fastkex -ConfigFile $config -KeyExchange sntrup761x25519-sha512 -Verbose -WarningAction SilentlyContinue 4>&1
        ($streams | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Where-Object Message -like 'Server *').Message |
            Should -BeLike '*key exchange sntrup761x25519-sha512,*'
    }

    It 'fails only the host whose KexAlgorithms leaves nothing to offer' {
        $sessions = @(Connect-SentinelServer fastkex, nokex -ConfigFile $config -ErrorVariable failure -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $sessions.ComputerName | Should -Be 'fastkex'
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.InvalidArgument,*'
        $failure[0].TargetObject | Should -Be 'nokex'
        $failure[0].Exception.Message | Should -BeLike '*KexAlgorithms*nokex*'
    }

    It 'reports a bastion whose KexAlgorithms leaves nothing as an error for the target behind it' {
        $sessions = @(Connect-SentinelServer fastkex, via-nokex -ConfigFile $config -ErrorVariable failure -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $sessions.ComputerName | Should -Be 'fastkex'
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.InvalidArgument,*'
        $failure[0].TargetObject | Should -Be 'via-nokex'
        $failure[0].Exception.Message | Should -BeLike '*KexAlgorithms*for nokex*'
    }

    It 'lets explicit parameters win over the config' {
        (Connect-SentinelServer wrongport -Port $lab.Port -ConfigFile $config -KnownHostsFile $knownHosts -WarningAction SilentlyContinue).Port | Should -Be $lab.Port
    }

    It 'warns about a malformed line with its file and line number, and goes on' {
        Connect-SentinelServer prod -ConfigFile $config -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $text = $warnings -join "`n"
        $userLine = (Select-String -Path $config -Pattern '^\s+User$').LineNumber
        $portLine = (Select-String -Path $config -Pattern 'notanumber').LineNumber
        $text | Should -BeLike "*$config line $userLine*no value*"
        $text | Should -Not -BeLike '*ForwardAgent*' -Because 'unknown keywords are ignored quietly'
        # 'broken' has no HostName, so the connection fails; the warnings are what this checks.
        Connect-SentinelServer broken -ConfigFile $config -Credential (Get-SentinelLabCredential -Lab $lab) -Port $lab.Port -KnownHostsFile $knownHosts -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue | Out-Null
        ($warnings -join "`n") | Should -BeLike "*$config line $portLine*notanumber*"
    }

    It 'warns with file and line, once, about a ProxyCommand it does not follow' {
        Connect-SentinelServer viacommand, prod -ConfigFile $config -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $line = (Select-String -Path $config -Pattern 'ProxyCommand').LineNumber
        @($warnings | Where-Object { "$_" -like "$config line $line*ProxyCommand is not supported*" }).Count | Should -Be 1
        @($warnings | Where-Object { "$_" -like '*ProxyCommand*' }).Count | Should -Be 1 -Because 'prod has no ProxyCommand'
    }
}
