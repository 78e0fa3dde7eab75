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
