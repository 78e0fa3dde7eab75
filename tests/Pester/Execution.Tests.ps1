BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $session = Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -Credential (Get-SentinelLabCredential -Lab $lab) -KnownHostsFile $knownHosts
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Output' {
    It 'reads 100 MB on stdout and 100 MB on stderr at once without deadlock, keeping a bounded part' {
        $mb100 = 100MB
        $result = Invoke-SentinelCommand "head -c $mb100 /dev/zero & head -c $mb100 /dev/zero >&2; wait" -Session $session -Timeout 120
        $result.ExitCode | Should -Be 0
        $result.OutputBytes | Should -Be $mb100
        $result.ErrorBytes | Should -Be $mb100
        $result.Truncated | Should -BeTrue
        $result.Output.Length | Should -Be 16MB -Because 'a result keeps 16 MiB of each stream by default'
    }

    It 'keeps at most -MaxOutputBytes and says it truncated' {
        $result = Invoke-SentinelCommand 'seq 1 100000' -Session $session -MaxOutputBytes 1000
        $result.Output.Length | Should -Be 1000
        $result.OutputBytes | Should -BeGreaterThan 1000
        $result.Truncated | Should -BeTrue
        (Invoke-SentinelCommand 'echo short' -Session $session -MaxOutputBytes 1000).Truncated | Should -BeFalse
    }

    It 'is byte-exact for valid UTF-8' {
        $text = "héllo wörld ✓ 日本語 🚀`r`n`ttab`n"
        $result = Invoke-SentinelCommand "printf '%s' '$text'" -Session $session
        $result.Output | Should -BeExactly $text
        $result.OutputBytes | Should -Be ([System.Text.Encoding]::UTF8.GetByteCount($text))
    }

    It 'emits lines with -Stream as they arrive, before the command ends' {
        $background = Start-BackgroundPipeline -Script ((Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + "`nInvoke-SentinelCommand 'echo first-line; echo second-line; sleep 372; echo never' -Stream")
        try {
            Wait-Until { $background.Output.Count -ge 2 } | Should -BeTrue
            $background.Output[0] | Should -BeExactly 'first-line'
            $background.Output[1] | Should -BeExactly 'second-line'
            Get-RemoteProcess 'sleep 372' | Should -Not -BeNullOrEmpty -Because 'the command is still running'
        }
        finally { $background.Shell.Stop(); $background.Shell.Dispose() }
    }

    It 'emits the lines and then the result with -Stream' {
        $all = Invoke-SentinelCommand 'echo a; echo b' -Session $session -Stream
        $all.Count | Should -Be 3
        $all[0] | Should -BeExactly 'a'
        $all[1] | Should -BeExactly 'b'
        $all[2] | Should -BeOfType ([Sentinel.Results.CommandResult])
    }
}

Describe 'Input' {
    It 'feeds pipeline strings to the command''s stdin' {
        ('cherry', 'apple', 'banana' | Invoke-SentinelCommand 'sort' -Session $session).Output | Should -Be "apple`nbanana`ncherry`n"
    }

    It 'feeds -InputObject to stdin' {
        (Invoke-SentinelCommand 'wc -l' -Session $session -InputObject 'one', 'two').Output.Trim() | Should -Be '2'
    }
}

Describe 'Ctrl+C' {
    It 'returns within 1 s during a command, the remote command is gone within 2 s, and the session stays usable' {
        $background = Start-BackgroundPipeline -Script ((Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + "`nInvoke-SentinelCommand 'sleep 373'")
        try {
            Wait-Until { Get-RemoteProcess 'sleep 373' } | Should -BeTrue
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $background.Shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
            Wait-Until -TimeoutSeconds 2 { -not (Get-RemoteProcess 'sleep 373') } | Should -BeTrue
            $background.Shell.Commands.Clear()
            $background.Shell.AddScript("(Invoke-SentinelCommand 'echo usable' -Session `$session).Output").Invoke() | Should -Be "usable`n"
        }
        finally { $background.Shell.Dispose() }
    }

    It 'returns within 1 s during connect' {
        $silent = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $silent.Start()
        $background = Start-BackgroundPipeline -Script "Import-Module '$ModulePath'; Connect-SentinelServer -ComputerName 127.0.0.1 -Port $($silent.LocalEndpoint.Port) -Credential ([pscredential]::new('x', (ConvertTo-SecureString 'y' -AsPlainText -Force))) -ConnectTimeout 60 -KnownHostsFile '$knownHosts'"
        try {
            Wait-Until { $silent.Pending() } | Should -BeTrue
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $background.Shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
        }
        finally { $background.Shell.Dispose(); $silent.Stop() }
    }

    It 'returns within 1 s during a sudo password exchange; the command never starts and sudo ends' {
        $script = (Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + @"

`$wrong = [pscredential]::new('sentinel', (ConvertTo-SecureString 'not-it' -AsPlainText -Force))
Invoke-SentinelCommand 'sleep 374' -Sudo -SudoCredential `$wrong
"@
        $background = Start-BackgroundPipeline -Script $script
        try {
            # sudo is checking the refused password (PAM's delay): the exchange is under way.
            Wait-Until { Get-RemoteProcess 'sudo -k -S -p' } | Should -BeTrue
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $background.Shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 1
            # sudo acts on the TERM once PAM's failure delay (2 s on Debian) is over.
            Wait-Until -TimeoutSeconds 5 { -not (Get-RemoteProcess 'sudo -k -S -p') } | Should -BeTrue
            Get-RemoteProcess 'sleep 374' | Should -BeNullOrEmpty
        }
        finally { $background.Shell.Dispose() }
    }
}
