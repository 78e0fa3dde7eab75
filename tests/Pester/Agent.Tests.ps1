# ssh-agent: a real ssh-agent started here (by PID), real sshd labs; no key file on disk for Sentinel to find.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    # Keys made for this file: one the servers accept (ed25519), one they do not, and an accepted RSA key.
    $keyDir = Join-Path $TestDrive 'keys'
    New-Item -ItemType Directory -Path $keyDir | Out-Null
    foreach ($spec in @(@('accepted', 'ed25519'), @('rogue', 'ed25519'), @('rsa', 'rsa'))) {
        & ssh-keygen -q -t $spec[1] -N '' -C "agent-test-$($spec[0])" -f (Join-Path $keyDir $spec[0])
    }
    # An authorized_keys file of this test's own (the shared lab one is not touched): accepted and rsa only.
    # Outside /tmp: sshd's StrictModes refuses a path through a world-writable folder.
    $authorized = "/run/sentinel-agent-test-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $authorized | Out-Null
    Get-Content (Join-Path $keyDir 'accepted.pub'), (Join-Path $keyDir 'rsa.pub') | Set-Content (Join-Path $authorized 'sentinel')
    & chmod 755 $authorized
    & chmod 644 (Join-Path $authorized 'sentinel')
    $extra = @("AuthorizedKeysFile $authorized/%u", 'PasswordAuthentication no', 'LogLevel DEBUG1')
    $lab = Start-SentinelLab -NoNginx -ExtraConfig $extra
    $hop = Start-SentinelLab -NoNginx -ExtraConfig $extra

    function Start-TestAgent {
        # ssh-agent in the foreground (-D) so its PID is the process started here; the socket is ready when ssh-add -l answers.
        param([string[]]$Keys)
        $socket = Join-Path $TestDrive "agent-$([guid]::NewGuid().ToString('N')).sock"
        $process = Start-Process -FilePath ssh-agent -ArgumentList @('-D', '-a', $socket) -PassThru -RedirectStandardOutput (Join-Path $TestDrive 'agent.out')
        $env:SSH_AUTH_SOCK = $socket
        $ready = Wait-Until { Test-Path $socket }
        if (-not $ready) { throw 'ssh-agent did not create its socket' }
        foreach ($key in $Keys) { & ssh-add -q (Join-Path $keyDir $key) 2>&1 | Out-Null }
        [pscustomobject]@{ Socket = $socket; Process = $process }
    }

    function Stop-TestAgent {
        param($Agent)
        if ($Agent -and -not $Agent.Process.HasExited) {
            $Agent.Process.Kill()
            $Agent.Process.WaitForExit(5000) | Out-Null
        }
    }

    function Get-Fingerprint { param([string]$Key) (& ssh-keygen -l -E sha256 -f (Join-Path $keyDir "$Key.pub")).Split(' ')[1] }

    $savedHome = $env:HOME
    $savedPass = $env:SSH_PASS
    $savedSock = $env:SSH_AUTH_SOCK
    $common = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; KnownHostsFile = (Join-Path $TestDrive 'known_hosts'); ConnectTimeout = 5; ErrorAction = 'Stop' }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
    Stop-SentinelLab -Lab $hop
    Remove-Item $authorized -Recurse -Force
    $env:HOME = $savedHome; $env:SSH_PASS = $savedPass; $env:SSH_AUTH_SOCK = $savedSock
}

Describe 'ssh-agent' {
    BeforeEach {
        # No default identity in ~/.ssh and no $env:SSH_PASS: only the agent can authenticate.
        $env:HOME = Join-Path $TestDrive "home-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $env:HOME | Out-Null
        $env:SSH_PASS = $null
        $agent = $null
    }

    AfterEach {
        Get-SentinelSession | Disconnect-SentinelServer
        Stop-TestAgent $agent
    }

    It 'connects with the agent''s key when no key file exists, and says so on the session' {
        $agent = Start-TestAgent -Keys 'accepted'
        $session = Connect-SentinelServer @common
        (Invoke-SentinelCommand 'whoami' -Session $session).Output.Trim() | Should -Be 'sentinel'
        $session.AuthenticationMethod | Should -Be 'AgentKey'
        $session.UserKey | Should -BeLike "ssh-ed25519 $(Get-Fingerprint 'accepted') agent-test-accepted*"
    }

    It 'offers a key the server refuses, then the one it accepts' {
        $agent = Start-TestAgent -Keys 'rogue', 'accepted'
        $log = @(Get-Content $lab.LogPath).Count
        $session = Connect-SentinelServer @common -Verbose 4>&1 | Tee-Object -Variable story | Where-Object { $_ -is [Sentinel.Results.SentinelSession] }
        $session.UserKey | Should -BeLike "ssh-ed25519 $(Get-Fingerprint 'accepted')*"
        $offered = ($story | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*holds 2 identities*' }).Message
        $offered.IndexOf((Get-Fingerprint 'rogue')) | Should -BeLessThan $offered.IndexOf((Get-Fingerprint 'accepted'))
        # sshd saw the refused key first: it tested it (no signature) and did not accept it.
        $lines = @(Get-Content $lab.LogPath | Select-Object -Skip $log)
        $rogueLine = ($lines | Select-String -SimpleMatch (Get-Fingerprint 'rogue') | Select-Object -First 1).LineNumber
        $acceptedLine = ($lines | Select-String -SimpleMatch "Accepted publickey for sentinel" | Select-Object -First 1).LineNumber
        $rogueLine | Should -Not -BeNullOrEmpty
        $rogueLine | Should -BeLessThan $acceptedLine
        ($lines | Select-String 'Accepted publickey').Line | Should -BeLike "*$(Get-Fingerprint 'accepted')*"
    }

    It 'signs with an RSA key through the agent using rsa-sha2-512, never ssh-rsa (SHA-1)' {
        $agent = Start-TestAgent -Keys 'rsa'
        $log = @(Get-Content $lab.LogPath).Count
        $session = Connect-SentinelServer @common
        $session.UserKey | Should -BeLike "ssh-rsa $(Get-Fingerprint 'rsa')*"
        $lines = @(Get-Content $lab.LogPath | Select-Object -Skip $log)
        ($lines | Select-String 'Accepted publickey').Line | Should -BeLike "*RSA $(Get-Fingerprint 'rsa')*"
        ($lines | Select-String -Pattern 'pkalg (\S+)' -AllMatches).Matches | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique | Should -Be 'rsa-sha2-512'
    }

    It 'IdentitiesOnly offers only the agent identities of the IdentityFile keys (their .pub; no private key on disk)' {
        $agent = Start-TestAgent -Keys 'rogue', 'accepted'
        $only = Join-Path $TestDrive 'only'
        New-Item -ItemType Directory -Path $only -Force | Out-Null
        Copy-Item (Join-Path $keyDir 'accepted.pub') (Join-Path $only 'accepted.pub')
        $config = Join-Path $TestDrive 'identities_only_config'
        Set-Content $config "Host *`n    IdentitiesOnly yes`n    IdentityFile $only/accepted"
        $session = Connect-SentinelServer @common -ConfigFile $config -Verbose 4>&1 | Tee-Object -Variable story | Where-Object { $_ -is [Sentinel.Results.SentinelSession] }
        $session.UserKey | Should -BeLike "ssh-ed25519 $(Get-Fingerprint 'accepted')*"
        ($story | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Out-String) | Should -Not -BeLike "*offering*$(Get-Fingerprint 'rogue')*"
    }

    It 'authenticates each jump host with the agent too' {
        $agent = Start-TestAgent -Keys 'accepted'
        $hopLog = @(Get-Content $hop.LogPath).Count
        $session = Connect-SentinelServer @common -JumpHost "sentinel@$($hop.ComputerName):$($hop.Port)"
        $session.AuthenticationMethod | Should -Be 'AgentKey'
        (Get-Content $hop.LogPath | Select-Object -Skip $hopLog | Select-String 'Accepted publickey').Line | Should -BeLike "*$(Get-Fingerprint 'accepted')*"
    }

    It 'fails with Sentinel.AgentUnavailable when the agent was killed, without waiting' {
        $agent = Start-TestAgent -Keys 'accepted'
        Stop-TestAgent $agent
        $clock = [Diagnostics.Stopwatch]::StartNew()
        { Connect-SentinelServer @common } | Should -Throw -ErrorId 'Sentinel.AgentUnavailable,*'
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
        $Error[0].Exception.Message | Should -BeLike "*$($agent.Socket)*"
    }

    It 'fails with Sentinel.AgentUnavailable when SSH_AUTH_SOCK names no socket' {
        $env:SSH_AUTH_SOCK = Join-Path $TestDrive 'no-such-agent.sock'
        { Connect-SentinelServer @common } | Should -Throw -ErrorId 'Sentinel.AgentUnavailable,*'
        $Error[0].Exception.Message | Should -BeLike '*no socket exists there*'
    }

    It 'says the agent holds no identities when it is empty and nothing else is left' {
        $agent = Start-TestAgent -Keys @()
        { Connect-SentinelServer @common } | Should -Throw -ErrorId 'Sentinel.NoCredential,*'
        $Error[0].Exception.Message | Should -BeLike '*holds no usable identity*'
    }

    It 'is not asked when -KeyFile names the identity' {
        $agent = Start-TestAgent -Keys 'rogue'
        $session = Connect-SentinelServer @common -KeyFile (Join-Path $keyDir 'accepted')
        $session.AuthenticationMethod | Should -Be 'Key'
        $session.UserKey | Should -BeLike "*$(Join-Path $keyDir 'accepted')"
    }
}
