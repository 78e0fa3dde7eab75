BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    # Healthy hosts and 5 black holes (SYNs dropped) behind one sshd in a namespace of its own, the
    # sshd and every process it forks pinned to CPU 0, as the client will be.
    $fleet = Start-SentinelLabWideFleet -Count 495 -BlackHoleCount 5 -CpuList '0'

    function Invoke-PinnedFanOut {
        <#
        Runs Invoke-SentinelCommand 'echo ok' over -Hosts in a fresh pwsh pinned to CPU 0 inside the
        fleet's namespace, and returns what reached its pipeline, each with the seconds since the call
        began: results, errors and verbose lines, as they came.
        #>
        param([string[]]$Hosts, [int]$ThrottleLimit)
        $hostsFile = Join-Path $TestDrive "hosts-$([guid]::NewGuid().ToString('N'))"
        $eventsFile = "$hostsFile.json"
        [IO.File]::WriteAllLines($hostsFile, $Hosts)
        $script = @"
Import-Module '$ModulePath'
`$hosts = [IO.File]::ReadAllLines('$hostsFile')
`$clock = [Diagnostics.Stopwatch]::StartNew()
`$events = Invoke-SentinelCommand 'echo ok' -ComputerName `$hosts -Port $($fleet.Port) -KeyFile '$($fleet.Lab.KeyPath)' -KnownHostsFile '$($fleet.KnownHostsFile)' -HostKeyPolicy Strict -ThrottleLimit $ThrottleLimit -Verbose -ErrorAction Continue -ProgressAction SilentlyContinue 2>&1 4>&1 | ForEach-Object {
    `$at = `$clock.Elapsed.TotalSeconds
    if (`$_ -is [System.Management.Automation.ErrorRecord]) { [pscustomobject]@{ Kind = 'Error'; At = `$at; Host = [string]`$_.TargetObject; Id = `$_.FullyQualifiedErrorId; Text = `$_.Exception.Message } }
    elseif (`$_ -is [System.Management.Automation.VerboseRecord]) { [pscustomobject]@{ Kind = 'Verbose'; At = `$at; Host = ''; Id = ''; Text = `$_.Message } }
    else { [pscustomobject]@{ Kind = 'Result'; At = `$at; Host = `$_.ComputerName; Id = [string]`$_.ExitCode; Text = `$_.Output.Trim() } }
}
ConvertTo-Json -InputObject @(`$events) -Depth 3 | Set-Content '$eventsFile'
"@
        $output = & taskset -c 0 ip netns exec $fleet.Namespace ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script 2>&1
        if (-not (Test-Path $eventsFile)) { throw "The pinned fan-out wrote nothing: $($output -join "`n")" }
        Get-Content $eventsFile -Raw | ConvertFrom-Json
    }
}

AfterAll {
    if ($fleet) { Stop-SentinelLabWideFleet -Fleet $fleet }
}

Describe 'Fan-out that does not lose hosts to its own overload' {
    # 500 hosts at -ThrottleLimit 1000 start more handshakes than one CPU finishes in 10 s: without
    # pacing, hundreds of healthy hosts time out.
    It 'runs <Healthy> hosts and 5 black holes at -ThrottleLimit <Limit> on one CPU shared with their sshd: every healthy host ok, each black hole a timeout within the timeout plus a few seconds' -ForEach @(
        @{ Healthy = 195; Limit = 200 }
        @{ Healthy = 495; Limit = 1000 }
    ) {
        # The black holes sit among the healthy hosts, not only first.
        $healthyHosts = $fleet.Addresses[0..($Healthy - 1)]
        $hosts = [Collections.Generic.List[string]]::new([string[]]$healthyHosts)
        foreach ($i in 0..4) { $hosts.Insert($i * [Math]::Floor($Healthy / 5), $fleet.BlackHoles[$i]) }

        $events = Invoke-PinnedFanOut -Hosts $hosts -ThrottleLimit $Limit

        $results = @($events | Where-Object Kind -EQ 'Result')
        $errors = @($events | Where-Object Kind -EQ 'Error')
        $errors | Where-Object Host -NotIn $fleet.BlackHoles | ForEach-Object { "$($_.Host): $($_.Id): $($_.Text)" } | Should -BeNullOrEmpty -Because 'a healthy host starved of CPU by the run itself is not unreachable'
        $results.Count | Should -Be $Healthy
        @($results | Where-Object { $_.Id -ne '0' -or $_.Text -ne 'ok' }) | Should -BeNullOrEmpty
        ($results.Host | Sort-Object -Unique).Count | Should -Be $Healthy

        $errors.Count | Should -Be 5
        foreach ($blackHole in $fleet.BlackHoles) {
            $failure = @($errors | Where-Object Host -EQ $blackHole)
            $failure.Count | Should -Be 1
            $failure[0].Id | Should -BeLike 'Sentinel.ConnectionTimeout,*'
            $failure[0].Text | Should -Match "^Connecting to $([regex]::Escape($blackHole)) port \d+ timed out after 10 s of the host's time: the host sent nothing in 10\.\d+ s"
            # From the moment its handshake began (its verbose line), not from the start of the run.
            $began = @($events | Where-Object { $_.Kind -eq 'Verbose' -and $_.Text -like "Connecting to $blackHole ($blackHole) port *" })[0].At
            ($failure[0].At - $began) | Should -BeLessThan 14 -Because 'a black hole costs its 10 s timeout and a little, however busy the run'
        }

        @($events | Where-Object { $_.Kind -eq 'Verbose' -and $_.Text -match '^Handshakes at once: \d+ -> \d+ \(.+\)\.$' }) | Should -Not -BeNullOrEmpty -Because 'each change of pace is said, with why'
    }
}
