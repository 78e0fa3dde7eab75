# The same client work against the other server implementations users run
# (tests/lab/SentinelRealLab.psm1): OpenSSH 10 (sshd of a Debian trixie root filesystem, in
# systemd-nspawn, with that system's sudo) and Dropbear (this machine's users and sudo).
BeforeDiscovery {
    $servers = @(
        # OpenSSH signals the command's process group, so a command line of several processes ends;
        # Dropbear signals only the process it started (the shell running the command line), so the
        # timed-out command there is one the shell runs in its own process.
        @{ Server = 'OpenSSH 10'; Key = 'OpenSsh10'; Banner = 'SSH-2.0-OpenSSH_10.*'; NoPasswordSudo = 'id -u'; Sleep = 391; TimedOut = 'sleep 391; echo never' }
        @{ Server = 'Dropbear'; Key = 'Dropbear'; Banner = 'SSH-2.0-dropbear*'; NoPasswordSudo = 'cat /etc/sudoers.d/sentinel-lab'; Sleep = 392; TimedOut = 'sleep 392' }
    )
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $hosts = @{}
    $hosts.OpenSsh10 = Start-SentinelOpenSsh10
    $hosts.Dropbear = Start-SentinelDropbear
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    foreach ($server in @($hosts.Values)) { Stop-SentinelRealLab -Instance $server }
}

Describe '<Server>' -ForEach $servers {
    BeforeAll {
        $instance = $hosts[$Key]
        $knownHosts = Join-Path $TestDrive "known_hosts-$Key"
        $target = @{ ComputerName = $instance.ComputerName; Port = $instance.Port; KnownHostsFile = $knownHosts }
        $credential = Get-SentinelLabCredential -Lab $instance
    }

    It 'connects with a password and runs a command' {
        $session = Connect-SentinelServer @target -Credential $credential
        $session.ServerVersion | Should -BeLike $Banner
        $result = Invoke-SentinelCommand 'id -un; echo err >&2; exit 3' -Session $session
        $result.Output | Should -Be "sentinel`n"
        $result.Error | Should -Be "err`n"
        $result.ExitCode | Should -Be 3
        Disconnect-SentinelServer -Session $session
    }

    It 'connects with a key, checking the host key it recorded on the first connection' {
        $session = Connect-SentinelServer @target -KeyFile $instance.KeyPath -HostKeyPolicy Strict
        (Invoke-SentinelCommand 'id -un' -Session $session).Output | Should -Be "sentinel`n"
        Disconnect-SentinelServer -Session $session
    }

    It 'authenticates with a key held by an ssh-agent, with no key file to find' {
        # A real ssh-agent holding the lab key; HOME points at an empty folder and SSH_PASS is unset,
        # so the agent is the only way in.
        $socket = Join-Path $TestDrive "agent-$Key.sock"
        $agent = Start-Process -FilePath ssh-agent -ArgumentList @('-D', '-a', $socket) -PassThru -RedirectStandardOutput (Join-Path $TestDrive "agent-$Key.out")
        $saved = @{ HOME = $env:HOME; SSH_PASS = $env:SSH_PASS; SSH_AUTH_SOCK = $env:SSH_AUTH_SOCK }
        try {
            Wait-Until { Test-Path $socket } | Should -BeTrue
            $env:SSH_AUTH_SOCK = $socket
            & ssh-add -q $instance.KeyPath 2>&1 | Out-Null
            $env:HOME = Join-Path $TestDrive "home-$Key"
            New-Item -ItemType Directory -Path $env:HOME -Force | Out-Null
            $env:SSH_PASS = $null
            $session = Connect-SentinelServer @target -ErrorAction Stop
            $session.AuthenticationMethod | Should -Be 'AgentKey'
            (Invoke-SentinelCommand 'id -un' -Session $session).Output | Should -Be "sentinel`n"
            Disconnect-SentinelServer -Session $session
        }
        finally {
            $env:HOME = $saved.HOME; $env:SSH_PASS = $saved.SSH_PASS; $env:SSH_AUTH_SOCK = $saved.SSH_AUTH_SOCK
            $agent.Kill()
            $agent.WaitForExit(5000) | Out-Null
        }
    }

    Context 'sudo (NOPASSWD for one command, a password for the rest)' {
        BeforeAll {
            $passwordSession = Connect-SentinelServer @target -Credential $credential
            $keySession = Connect-SentinelServer @target -KeyFile $instance.KeyPath
        }
        AfterAll { $passwordSession, $keySession | Disconnect-SentinelServer }

        It 'runs the NOPASSWD command on a key session, with no password to send' {
            $result = Invoke-SentinelCommand $NoPasswordSudo -Sudo -Session $keySession
            $result.ExitCode | Should -Be 0
            $result.Sudo | Should -BeTrue
            $result.Output | Should -Match '^0$|NOPASSWD'
        }

        It 'answers a password rule with the login password' {
            $result = Invoke-SentinelCommand 'whoami' -Sudo -Session $passwordSession
            $result.Output | Should -Be "root`n"
            "$($result.Output)$($result.Error)" | Should -Not -BeLike "*$($instance.Password)*"
        }

        It 'fails a password rule on a key session with SudoPasswordRequired' {
            Invoke-SentinelCommand 'whoami' -Sudo -Session $keySession -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SudoPasswordRequired,*'
        }
    }

    Context 'Copy-SentinelItem -Sudo (issue 20 items 2 and 11)' {
        BeforeAll {
            $session = Connect-SentinelServer @target -Credential $credential
            $private = "/srv/sentinel-interop-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
            (Invoke-SentinelCommand "install -d -m 700 $private" -Sudo -Session $session).ExitCode | Should -Be 0
            function Invoke-Root { param([string]$Line) (Invoke-SentinelCommand $Line -Sudo -Session $session).Output }
        }
        AfterAll {
            Invoke-SentinelCommand "rm -rf $private" -Sudo -Session $session | Out-Null
            Disconnect-SentinelServer -Session $session
        }

        It 'writes into a 0700 root directory the login user cannot enter, with the mode and owner asked' {
            $source = Join-Path $TestDrive "interop-$Key.conf"
            Set-Content $source 'interop' -NoNewline
            (Copy-SentinelItem $source "$private/app.conf" -ToSession $session -Sudo -Mode 0640 -Owner root -ProgressAction SilentlyContinue).Action | Should -Be 'Copied'
            Invoke-Root "stat -c '%a %U' $private/app.conf" | Should -Be "640 root`n"
            Invoke-Root "cat $private/app.conf" | Should -Be 'interop'
            (Copy-SentinelItem $source "$private/app.conf" -ToSession $session -Sudo -ProgressAction SilentlyContinue).Action | Should -Be 'Unchanged'
        }

        It 'replaces a link at the destination instead of writing its target' {
            Invoke-Root "sh -c 'echo precious > $private/target; ln -s $private/target $private/link.conf'" | Out-Null
            $source = Join-Path $TestDrive "interop-link-$Key.conf"
            Set-Content $source 'new' -NoNewline
            (Copy-SentinelItem $source "$private/link.conf" -ToSession $session -Sudo -Force -ProgressAction SilentlyContinue).Action | Should -Be 'Copied'
            Invoke-Root "cat $private/target" | Should -Be "precious`n"
            Invoke-Root "stat -c %F $private/link.conf" | Should -Be "regular file`n"
        }
    }

    Context 'ending commands' {
        BeforeAll { $session = Connect-SentinelServer @target -Credential $credential }
        AfterAll { Disconnect-SentinelServer -Session $session }

        It 'ends a command at -Timeout, on the server too' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            Invoke-SentinelCommand $TimedOut -Timeout 2 -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 6
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.CommandTimeout,*'
            Wait-Until -TimeoutSeconds 5 { -not (Get-RemoteProcess "sleep $Sleep") } | Should -BeTrue
            (Invoke-SentinelCommand 'echo usable' -Session $session).Output | Should -Be "usable`n"
        }

        It 'returns within 1 s of Ctrl+C, and the command ends on the server' {
            $background = Start-BackgroundPipeline -Script ((Get-SessionScript -Lab $instance -KnownHostsFile $knownHosts) + "`nInvoke-SentinelCommand 'sleep $($Sleep + 100)'")
            try {
                Wait-Until { Get-RemoteProcess "sleep $($Sleep + 100)" } | Should -BeTrue
                $clock = [System.Diagnostics.Stopwatch]::StartNew()
                $background.Shell.Stop()
                $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
                Wait-Until -TimeoutSeconds 5 { -not (Get-RemoteProcess "sleep $($Sleep + 100)") } | Should -BeTrue
            }
            finally { $background.Shell.Dispose() }
        }
    }
}

Describe 'Algorithms and volume' {
    It 'negotiates ML-KEM (mlkem768x25519-sha256) with OpenSSH 10 by default' {
        $server = $hosts.OpenSsh10
        $verbose = Connect-SentinelServer -ComputerName $server.ComputerName -Port $server.Port -Credential (Get-SentinelLabCredential -Lab $server) -KnownHostsFile (Join-Path $TestDrive 'known_hosts-kex') -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -match 'key exchange mlkem768x25519-sha256,') | Should -Not -BeNullOrEmpty
        Get-SentinelSession | Disconnect-SentinelServer
    }

    It 'reads 600 MiB from Dropbear within a generous ceiling (SSH.NET''s fixed window against Dropbear''s)' {
        $server = $hosts.Dropbear
        $session = Connect-SentinelServer -ComputerName $server.ComputerName -Port $server.Port -KeyFile $server.KeyPath -KnownHostsFile (Join-Path $TestDrive 'known_hosts-volume')
        $bytes = 600MB
        $result = Invoke-SentinelCommand "head -c $bytes /dev/zero" -Session $session -Timeout 240
        $result.ExitCode | Should -Be 0
        $result.OutputBytes | Should -Be $bytes
        $result.Truncated | Should -BeTrue
        $result.Duration.TotalSeconds | Should -BeLessThan 120
        Disconnect-SentinelServer -Session $session
    }
}
