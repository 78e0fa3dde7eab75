BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab
    $credential = Get-SentinelLabCredential -Lab $lab
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $target = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; KnownHostsFile = $knownHosts }
    $session = Connect-SentinelServer @target -Credential $credential
    # The restart budgets live beside the inventory: each test file gets its own, never the user's.
    $env:SENTINEL_SERVERS = Join-Path $TestDrive 'servers.json'
    $stateFile = Join-Path $TestDrive 'remediation-state.json'
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $testServices = [System.Collections.Generic.List[string]]::new()

    function New-TestService {
        # A SysV service of this test run: start-stop-daemon runs 'sleep LIFETIME' in the background with a
        # pid file, and its status gives the LSB exit codes (0 running, 1 dead with a pid file, 3 stopped).
        # A zombie counts as dead: the lab machine's PID 1 may reap orphans late.
        # Installed stopped; sudoers' NOPASSWD rule for /usr/sbin/service covers it.
        param([Parameter(Mandatory)][string]$Role, [int]$Lifetime = 3600)
        $name = "sentinel-$Role-$suffix"
        $script = @"
#!/bin/sh
### BEGIN INIT INFO
# Provides:          $name
# Short-Description: Sentinel remediation test service (sleep $Lifetime)
### END INIT INFO
PIDFILE=/run/$name.pid
case "`$1" in
  start) start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile `$PIDFILE --startas /bin/sleep -- $Lifetime ;;
  stop) if [ -f `$PIDFILE ]; then pid=`$(cat `$PIDFILE); rm -f `$PIDFILE; kill "`$pid" 2>/dev/null; fi ;;
  restart) "`$0" stop; "`$0" start ;;
  status) [ -f `$PIDFILE ] || exit 3; state=`$(ps -o stat= -p "`$(cat `$PIDFILE)"); case "`$state" in ''|Z*) exit 1 ;; *) exit 0 ;; esac ;;
  *) exit 2 ;;
esac
"@
        Set-Content -Path "/etc/init.d/$name" -Value $script
        & chmod 755 "/etc/init.d/$name"
        $testServices.Add($name)
        $name
    }

    function Get-TestServiceState {
        # The LSB status exit code, asked on this machine (the lab host) directly.
        param([Parameter(Mandatory)][string]$Name)
        & "/etc/init.d/$Name" status *> $null
        $LASTEXITCODE
    }

    function Stop-TestService { param([string]$Name) & "/etc/init.d/$Name" stop *> $null }
    function Start-TestService { param([string]$Name) & "/etc/init.d/$Name" start *> $null }

    function Get-NginxMasterPid { [int](Get-Content /run/nginx.pid -Raw -ErrorAction SilentlyContinue) }
    function Restore-NginxRunning {
        & /usr/sbin/service nginx status *> $null
        if ($LASTEXITCODE -ne 0) { & /usr/sbin/service nginx start *> $null }
    }

    function Start-IsolatedNginxHost {
        # A lab host whose sshd runs in a mount namespace of its own, where nginx's configuration is a
        # broken copy and /etc/init.d/nginx a stub that says "stopped" and logs every call. So a refused
        # repair is tested with the real nginx -t, while the machine's nginx (shared with other test runs)
        # is never touched.
        $isolated = Start-SentinelLab -NoNginx
        & kill -TERM $isolated.SshdPid
        Wait-Until { -not (Get-Process -Id $isolated.SshdPid -ErrorAction SilentlyContinue) } | Should -BeTrue
        $folder = Join-Path $isolated.Root 'isolated'
        New-Item -ItemType Directory -Path $folder -Force | Out-Null
        Copy-Item /etc/nginx/nginx.conf (Join-Path $folder 'nginx.conf')
        Add-Content (Join-Path $folder 'nginx.conf') 'sentinel_broken_directive on;'
        $calls = Join-Path $folder 'calls.log'
        Set-Content -Path (Join-Path $folder 'nginx-init') -Value "#!/bin/sh`necho `"`$1`" >> $calls`ncase `"`$1`" in status) exit 3;; *) exit 0;; esac"
        & chmod 755 (Join-Path $folder 'nginx-init')
        [System.IO.File]::WriteAllText($calls, '')
        & chmod 666 $calls
        Remove-Item $isolated.PidPath -ErrorAction SilentlyContinue
        & unshare --mount --propagation private -- /bin/sh -c "mount --bind '$folder/nginx.conf' /etc/nginx/nginx.conf && mount --bind '$folder/nginx-init' /etc/init.d/nginx && exec /usr/sbin/sshd -f '$($isolated.ConfigPath)' -E '$($isolated.LogPath)'"
        Wait-TcpListening -Port $isolated.Port
        Wait-Until { (Test-Path $isolated.PidPath) -and (Get-Content $isolated.PidPath -Raw) } | Should -BeTrue
        $isolated.SshdPid = [int](Get-Content $isolated.PidPath -Raw)
        $isolated | Add-Member -NotePropertyName CallsLog -NotePropertyValue $calls -PassThru
    }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    foreach ($name in $testServices) {
        Stop-TestService $name
        Remove-Item "/etc/init.d/$name", "/run/$name.pid" -ErrorAction SilentlyContinue
    }
    Restore-NginxRunning
    $env:SENTINEL_SERVERS = $null
    Stop-SentinelLab -Lab $lab
}

Describe 'Repair-SentinelService on the lab host' {
    It 'starts a stopped nginx, verifies it stays Running, and nginx serves again' {
        try {
            & /usr/sbin/service nginx stop *> $null
            $result = Repair-SentinelService nginx -Session $session -SettleSeconds 1
            $result | Should -BeOfType Sentinel.Results.RemediationResult
            $result.ComputerName | Should -Be $lab.ComputerName
            $result.Name | Should -Be 'nginx'
            $result.StateBefore | Should -Be 'Stopped'
            $result.Action | Should -Be 'Started'
            $result.StateAfter | Should -Be 'Running'
            $result.Duration | Should -BeGreaterThan ([TimeSpan]::FromSeconds(1)) -Because 'it stayed Running for the settle time'
            $result.Diagnostics | Should -BeLike 'State: Stopped (SysV)*'
            $result.Diagnostics | Should -BeLike '*Log (/var/log/nginx/error.log*' -Because 'the last log lines are captured before acting (under sudo: the file is root''s and adm''s)'
            & curl --silent --output /dev/null --max-time 5 --write-out '%{http_code}' http://127.0.0.1/ | Should -Be '200'
        }
        finally { Restore-NginxRunning }
    }

    It 'leaves a Running service alone: NoAction, nothing restarted' {
        $name = New-TestService -Role running
        Start-TestService $name
        $before = Get-Content "/run/$name.pid" -Raw
        $result = Repair-SentinelService $name -Session $session
        $result.Action | Should -Be 'NoAction'
        $result.StateBefore | Should -Be 'Running'
        $result.Diagnostics | Should -BeNullOrEmpty
        Get-Content "/run/$name.pid" -Raw | Should -Be $before
    }

    It 'restarts a dead service (Failed: pid file left, process gone) and reports Restarted' {
        $name = New-TestService -Role dead
        Start-TestService $name
        & kill -KILL ([int](Get-Content "/run/$name.pid" -Raw))
        Wait-Until { (Get-TestServiceState $name) -eq 1 } | Should -BeTrue
        $result = Repair-SentinelService $name -Session $session -SettleSeconds 1
        $result.StateBefore | Should -Be 'Failed'
        $result.Action | Should -Be 'Restarted'
        $result.StateAfter | Should -Be 'Running'
        Get-TestServiceState $name | Should -Be 0
    }

    It 'reports a service that dies right after its start as Failed, not Started' {
        $name = New-TestService -Role dies -Lifetime 1
        $result = Repair-SentinelService $name -Session $session -SettleSeconds 3
        $result.StateBefore | Should -Be 'Stopped'
        $result.Action | Should -Be 'Failed'
        $result.Reason | Should -BeLike 'DiedAfterStart:*'
        $result.StateAfter | Should -Be 'Failed'
        $result.Diagnostics | Should -BeLike '*Sentinel.ServiceLogUnknown*' -Because 'no log is known for this service, which the diagnostics say instead of failing'
    }

    It 'refuses a broken configuration and leaves the service as it was' {
        $isolated = Start-IsolatedNginxHost
        try {
            $machineNginx = Get-NginxMasterPid
            $isolatedSession = Connect-SentinelServer -ComputerName $isolated.ComputerName -Port $isolated.Port -KnownHostsFile $knownHosts -Credential $credential
            $result = Repair-SentinelService nginx -Session $isolatedSession
            $result.StateBefore | Should -Be 'Stopped'
            $result.Action | Should -Be 'Refused'
            $result.StateAfter | Should -Be 'Stopped'
            $result.Reason | Should -BeLike 'ConfigInvalid: /usr/sbin/nginx -t failed*sentinel_broken_directive*'
            Get-Content $isolated.CallsLog | Should -Not -Contain 'start'
            Get-Content $isolated.CallsLog | Should -Not -Contain 'restart'
            Get-Content $isolated.CallsLog | Should -Contain 'status'
            Get-NginxMasterPid | Should -Be $machineNginx -Because 'the machine''s own nginx was not touched'
        }
        finally { Stop-SentinelLab -Lab $isolated }
    }

    It 'counts restarts in a budget: with -RestartBudget 2 the third is Skipped (BudgetExhausted); -Force ignores it' {
        $name = New-TestService -Role budget
        foreach ($attempt in 1, 2) {
            Stop-TestService $name
            (Repair-SentinelService $name -Session $session -SettleSeconds 0 -RestartBudget 2).Action | Should -Be 'Started'
        }
        Stop-TestService $name
        $third = Repair-SentinelService $name -Session $session -SettleSeconds 0 -RestartBudget 2
        $third.Action | Should -Be 'Skipped'
        $third.Reason | Should -BeLike 'BudgetExhausted: 2 restart(s)*'
        $third.StateAfter | Should -Be 'Stopped'
        Get-TestServiceState $name | Should -Be 3 -Because 'the third restart did not happen'

        $state = Get-Content $stateFile -Raw | ConvertFrom-Json
        @(($state.restarts | Where-Object service -EQ $name).times).Count | Should -Be 2
        (Repair-SentinelService $name -Session $session -SettleSeconds 0 -RestartBudget 2 -Force).Action | Should -Be 'Started'
        Get-TestServiceState $name | Should -Be 0
    }

    It 'prints the plan with -WhatIf and touches nothing: no result, no start, no budget counted' {
        $name = New-TestService -Role whatif
        $stateBefore = if (Test-Path $stateFile) { Get-Content $stateFile -Raw }
        $script = (Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + @"

`$env:SENTINEL_SERVERS = '$env:SENTINEL_SERVERS'
`$results = @(Repair-SentinelService '$name' -Session `$session -WhatIf)
"results: `$(`$results.Count)"
"@
        $output = (Invoke-ChildPwsh -Script $script) -join "`n"
        $output | Should -BeLike "*What if: Batch 1 of 1 (canary), $($lab.ComputerName): ${name}: when not Running, start it (Stopped) or restart it, and check it stays Running for 5 s (restart budget: 0 of 3 used in 30 min)*"
        $output | Should -BeLike '*results: 0*'
        Get-TestServiceState $name | Should -Be 3
        $stateAfter = if (Test-Path $stateFile) { Get-Content $stateFile -Raw }
        $stateAfter | Should -Be $stateBefore
    }

    It 'writes each decision to the audit log beside the commands it ran' {
        $name = New-TestService -Role audit
        $log = Join-Path $TestDrive 'audit.jsonl'
        $SentinelAuditLog = $log
        (Repair-SentinelService $name -Session $session -SettleSeconds 0).Action | Should -Be 'Started'
        Wait-Until { (Test-Path $log) -and (Get-Content $log | ConvertFrom-Json | Where-Object kind -EQ 'remediation') } | Should -BeTrue
        $records = Get-Content $log | ConvertFrom-Json
        $decision = $records | Where-Object kind -EQ 'remediation'
        $decision.service | Should -Be $name
        $decision.action | Should -Be 'Started'
        $decision.stateBefore | Should -Be 'Stopped'
        $decision.computerName | Should -Be $lab.ComputerName
        Wait-Until { (Get-Content $log | ConvertFrom-Json | Where-Object Command -EQ "/usr/sbin/service '$name' start") } | Should -BeTrue
    }

    It 'takes the services of inventory servers (Add-SentinelServer -Service) when no -Name is given' {
        $name = New-TestService -Role inventory
        Add-SentinelServer -Name "inv-$suffix" -ComputerName $lab.ComputerName -Port $lab.Port -Service $name | Out-Null
        (Get-SentinelServer "inv-$suffix").Services | Should -Be $name
        $result = Get-SentinelServer "inv-$suffix" | Repair-SentinelService -Credential $credential -KnownHostsFile $knownHosts -SettleSeconds 0
        $result.Name | Should -Be $name
        $result.Action | Should -Be 'Started'
        (Repair-SentinelService -Session $session -SettleSeconds 0).Name | Should -Be $name -Because 'a session''s host finds its services in the inventory too'
    }

    It 'refuses a server without services, and a bad service name, with their own errors' {
        Add-SentinelServer -Name "none-$suffix" -ComputerName 127.0.0.99 | Out-Null
        Repair-SentinelService -ServerName "none-$suffix" -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.NoServiceToRepair,*'
        Add-SentinelServer -Name "bad-$suffix" -ComputerName 127.0.0.99 -Service 'nginx; touch /tmp/x' -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.InvalidServiceName,*'
        Get-SentinelServer "bad-$suffix" -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Rolling repairs over a fleet' {
    BeforeAll {
        $fleet = Start-SentinelLabFleet -Count 5
        $fleetCommon = @{ Credential = $credential; KnownHostsFile = $knownHosts; ProgressAction = 'SilentlyContinue'; SettleSeconds = 2 }

        function New-FleetInventory {
            # One inventory server per fleet address, each with a service of its own (the fleet's hosts
            # share this machine, so a per-host behaviour is a per-host service); -Dies lists the hosts
            # whose service dies right after its start.
            param([string]$Prefix, [int[]]$Dies = @())
            for ($i = 0; $i -lt $fleet.Addresses.Count; $i++) {
                $service = New-TestService -Role "$Prefix$i" -Lifetime $(if ($Dies -contains $i) { 1 } else { 3600 })
                Add-SentinelServer -Name "$Prefix-$i-$suffix" -ComputerName $fleet.Addresses[$i] -Port $fleet.Port -Service $service -Tag $Prefix | Out-Null
                $service
            }
        }
    }

    AfterAll { Stop-SentinelLabFleet -Fleet $fleet }

    It 'stops after the first batch when the canary fails: the other hosts are Skipped and stay as they were' {
        $services = New-FleetInventory -Prefix canary -Dies 0
        $results = Repair-SentinelService -Tag canary @fleetCommon -MaxFailure 50% -ErrorVariable failures -ErrorAction SilentlyContinue
        $results.Count | Should -Be 5
        $canary = $results | Where-Object ComputerName -EQ $fleet.Addresses[0]
        $canary.Action | Should -Be 'Failed'
        $canary.Batch | Should -Be 1
        $rest = $results | Where-Object ComputerName -NE $fleet.Addresses[0]
        $rest.Action | Sort-Object -Unique | Should -Be 'Skipped'
        $rest.Reason | ForEach-Object { $_ | Should -BeLike 'BreakerTripped: the canary batch failed*' }
        $rest.Batch | Sort-Object -Unique | Should -Be 2 -Because 'by default the canary is 1 host, then the throttle (32) takes the rest in one batch'
        foreach ($service in $services[1..4]) { Get-TestServiceState $service | Should -Be 3 }
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.RemediationBreakerTripped,*'
        $failures[0].Exception.Message | Should -BeLike '*canary*4 hosts were not touched*'
    }

    It 'skips every host not yet touched once -MaxFailure hosts failed' {
        $services = New-FleetInventory -Prefix maxfail -Dies 1, 2
        $results = Repair-SentinelService -Tag maxfail @fleetCommon -BatchSize 1 -MaxFailure 2 -ErrorVariable failures -ErrorAction SilentlyContinue
        ($results | Sort-Object Batch).Action | Should -Be 'Started', 'Failed', 'Failed', 'Skipped', 'Skipped'
        ($results | Where-Object Action -EQ Skipped).Reason | ForEach-Object { $_ | Should -BeLike 'BreakerTripped: 2 host(s) failed*-MaxFailure allows 2*' }
        Get-TestServiceState $services[0] | Should -Be 0
        Get-TestServiceState $services[3] | Should -Be 3
        Get-TestServiceState $services[4] | Should -Be 3
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.RemediationBreakerTripped,*'
    }

    It 'rolls through every batch when nothing fails (-BatchSize 40%: batches of 2)' {
        $services = New-FleetInventory -Prefix rolling
        $results = Repair-SentinelService -Tag rolling @fleetCommon -BatchSize 40% -SettleSeconds 0
        ($results | Sort-Object Batch).Batch | Should -Be 1, 1, 2, 2, 3
        $results.Action | Sort-Object -Unique | Should -Be 'Started'
        foreach ($service in $services) { Get-TestServiceState $service | Should -Be 0 }
    }
}

Describe 'issue 20 item 3: Watch-SentinelService -Repair honours -ThrottleLimit and -MaxFailure' -Tag Issue20Item3 {
    BeforeAll {
        $fleet = Start-SentinelLabFleet -Count 4
        $fleetCommon = @{ Credential = $credential; KnownHostsFile = $knownHosts; ProgressAction = 'SilentlyContinue'; SettleSeconds = 0 }

        function New-CountedFleet {
            # One inventory server per fleet address, each with a SysV service of its own whose start
            # writes 'begin <name>' to $Log when it is called, takes $StartSeconds, then either fails
            # (-Fails: exit 1, so it never runs) or starts and writes 'end <name>'. The log counts the
            # start attempts made on the hosts, and shows how many overlapped. A failing start is slow
            # on purpose: the other hosts are polled, and their repairs asked for, while it runs.
            param([string]$Prefix, [string]$Log, [switch]$Fails, [int]$StartSeconds = 2)
            [System.IO.File]::WriteAllText($Log, '')
            for ($i = 0; $i -lt $fleet.Addresses.Count; $i++) {
                $name = "sentinel-$Prefix$i-$suffix"
                $start = if ($Fails) { "sleep $StartSeconds; exit 1" } else { "sleep $StartSeconds; start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile `$PIDFILE --startas /bin/sleep -- 3600; echo `"end $name`" >> $Log" }
                $script = @"
#!/bin/sh
### BEGIN INIT INFO
# Provides:          $name
# Short-Description: Sentinel remediation test service that logs its start attempts
### END INIT INFO
PIDFILE=/run/$name.pid
case "`$1" in
  start) echo "begin $name" >> $Log; $start ;;
  stop) if [ -f `$PIDFILE ]; then pid=`$(cat `$PIDFILE); rm -f `$PIDFILE; kill "`$pid" 2>/dev/null; fi ;;
  status) [ -f `$PIDFILE ] || exit 3; state=`$(ps -o stat= -p "`$(cat `$PIDFILE)"); case "`$state" in ''|Z*) exit 1 ;; *) exit 0 ;; esac ;;
  *) exit 2 ;;
esac
"@
                Set-Content -Path "/etc/init.d/$name" -Value $script
                & chmod 755 "/etc/init.d/$name"
                $testServices.Add($name)
                Add-SentinelServer -Name "$Prefix-$i-$suffix" -ComputerName $fleet.Addresses[$i] -Port $fleet.Port -Service $name -Tag $Prefix | Out-Null
                $name
            }
        }

        function Get-RemediationResults { param($Output) @($Output | Where-Object { $_.PSObject.TypeNames[0] -eq 'Sentinel.Results.RemediationResult' }) }
    }

    AfterAll { Stop-SentinelLabFleet -Fleet $fleet }

    It 'issue 20 item 3: Watch-SentinelService -Repair -MaxFailure 1 -ThrottleLimit 1 -Count 1 makes exactly 1 start attempt on 4 failing hosts and reports the other 3 Skipped' {
        $log = Join-Path $TestDrive 'i203-watch.log'
        $services = New-CountedFleet -Prefix i203watch -Log $log -Fails
        $output = Watch-SentinelService -Tag i203watch @fleetCommon -Repair -MaxFailure 1 -ThrottleLimit 1 -Count 1 -ErrorVariable failures -ErrorAction SilentlyContinue
        $attempts = @(Get-Content $log)
        $attempts.Count | Should -Be 1 -Because "-ThrottleLimit 1 lets one repair run, and its failure trips the breaker before the next could start (attempts: $($attempts -join ', '))"
        $results = Get-RemediationResults $output
        $results.Count | Should -Be 4
        $failed = @($results | Where-Object Action -EQ Failed)
        $failed.Count | Should -Be 1
        $attempts[0] | Should -Be "begin $($failed[0].Name)"
        $skipped = @($results | Where-Object Action -EQ Skipped)
        $skipped.Count | Should -Be 3
        $skipped.Reason | ForEach-Object { $_ | Should -BeLike 'BreakerTripped: 1 host(s) failed*-MaxFailure allows 1*' }
        $skipped.Name | Should -Not -Contain $failed[0].Name
        foreach ($service in $services) { Get-TestServiceState $service | Should -Be 3 }
        @($failures | Where-Object FullyQualifiedErrorId -Like 'Sentinel.RemediationBreakerTripped,*').Count | Should -Be 1
    }

    It 'issue 20 item 3: Repair-SentinelService with the same set-up makes the same 1 start attempt and skips 3' {
        $log = Join-Path $TestDrive 'i203-repair.log'
        New-CountedFleet -Prefix i203repair -Log $log -Fails | Out-Null
        $results = Repair-SentinelService -Tag i203repair @fleetCommon -MaxFailure 1 -ThrottleLimit 1 -ErrorVariable failures -ErrorAction SilentlyContinue
        @(Get-Content $log).Count | Should -Be 1
        @($results | Where-Object Action -EQ Failed).Count | Should -Be 1
        $skipped = @($results | Where-Object Action -EQ Skipped)
        $skipped.Count | Should -Be 3
        $skipped.Reason | ForEach-Object { $_ | Should -BeLike 'BreakerTripped: *' }
        @($failures | Where-Object FullyQualifiedErrorId -Like 'Sentinel.RemediationBreakerTripped,*').Count | Should -Be 1
    }

    It 'issue 20 item 3: with -MaxFailure 2 -ThrottleLimit 4, the watch and Repair-SentinelService both stop after the canary: <Cmdlet>' -ForEach @(
        @{ Cmdlet = 'Watch-SentinelService' }
        @{ Cmdlet = 'Repair-SentinelService' }
    ) {
        $prefix = if ($Cmdlet -eq 'Watch-SentinelService') { 'i203cwatch' } else { 'i203crepair' }
        $log = Join-Path $TestDrive "$prefix.log"
        New-CountedFleet -Prefix $prefix -Log $log -Fails | Out-Null
        $extra = if ($Cmdlet -eq 'Watch-SentinelService') { @{ Repair = $true; Count = 1 } } else { @{} }
        $output = & $Cmdlet -Tag $prefix @fleetCommon @extra -MaxFailure 2 -ThrottleLimit 4 -ErrorVariable failures -ErrorAction SilentlyContinue
        @(Get-Content $log).Count | Should -Be 1 -Because 'the first repair is the canary, alone, and its failure trips the breaker'
        @(Get-RemediationResults $output | Where-Object Action -EQ Skipped).Count | Should -Be 3
        @($failures | Where-Object FullyQualifiedErrorId -Like 'Sentinel.RemediationBreakerTripped,*').Count | Should -Be 1
    }

    It 'issue 20 item 3: Watch-SentinelService -Repair -ThrottleLimit 2 never has more than 2 starts under way across the hosts' {
        $log = Join-Path $TestDrive 'i203-throttle.log'
        $services = New-CountedFleet -Prefix i203throttle -Log $log -StartSeconds 2
        $output = Watch-SentinelService -Tag i203throttle @fleetCommon -Repair -MaxFailure 4 -ThrottleLimit 2 -Count 1
        $results = Get-RemediationResults $output
        $results.Action | Sort-Object -Unique | Should -Be 'Started'
        $results.Count | Should -Be 4
        foreach ($service in $services) { Get-TestServiceState $service | Should -Be 0 }
        $lines = @(Get-Content $log)
        $lines.Count | Should -Be 8
        $underWay = 0
        $most = 0
        foreach ($line in $lines) {
            $underWay += if ($line -like 'begin *') { 1 } else { -1 }
            $most = [Math]::Max($most, $underWay)
        }
        $most | Should -BeLessOrEqual 2 -Because "each start takes 2 s, and -ThrottleLimit 2 allows 2 repairs at once (log: $($lines -join ', '))"
    }
}

Describe 'Watch-SentinelService' {
    It 'emits a record for each service on the first round, then one per state change' {
        $name = New-TestService -Role watch
        Start-TestService $name
        $script = (Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + "`nWatch-SentinelService '$name' -Session `$session -Interval 0.2"
        $background = Start-BackgroundPipeline -Script $script
        try {
            Wait-Until { $background.Output.Count -ge 1 } | Should -BeTrue
            Stop-TestService $name
            Wait-Until { $background.Output.Count -ge 2 } | Should -BeTrue
            Start-TestService $name
            Wait-Until { $background.Output.Count -ge 3 } -TimeoutSeconds 10 | Should -BeTrue
            $records = for ($i = 0; $i -lt $background.Output.Count; $i++) { $background.Output[$i] }
            $records[0].PSObject.TypeNames[0] | Should -Be 'Sentinel.Results.ServiceStateChange'
            $records[0].PreviousState | Should -BeNullOrEmpty
            $records[0].Round | Should -Be 1
            $records.State | Should -Be 'Running', 'Stopped', 'Running'
            $records[1].PreviousState | Should -Be 'Running'
            $records[1].Round | Should -BeGreaterThan 1
            $records.Name | Sort-Object -Unique | Should -Be $name
        }
        finally { $background.Shell.Stop(); $background.Shell.Dispose() }
    }

    It 'repairs with -Repair, and backs off: the second repair waits the back-off, the third twice as long' {
        $name = New-TestService -Role backoff
        Start-TestService $name
        $script = (Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + "`n`$env:SENTINEL_SERVERS = '$env:SENTINEL_SERVERS'`nWatch-SentinelService '$name' -Session `$session -Interval 0.1 -Repair -BackoffSeconds 2 -SettleSeconds 0 -RestartBudget 10"
        $background = Start-BackgroundPipeline -Script $script
        try {
            $repairs = { @(for ($i = 0; $i -lt $background.Output.Count; $i++) { if ($background.Output[$i].PSObject.TypeNames[0] -eq 'Sentinel.Results.RemediationResult') { $background.Output[$i] } }) }
            Wait-Until { $background.Output.Count -ge 1 } | Should -BeTrue
            foreach ($expected in 1, 2, 3) {
                Stop-TestService $name
                Wait-Until { (& $repairs).Count -ge $expected } -TimeoutSeconds 15 | Should -BeTrue
                Wait-Until { (Get-TestServiceState $name) -eq 0 } | Should -BeTrue
            }
            $done = & $repairs
            $done.Action | Should -Be 'Started', 'Started', 'Started'
            $ends = $done | ForEach-Object { $_.StartTime + $_.Duration }
            ($done[1].StartTime - $ends[0]).TotalSeconds | Should -BeGreaterOrEqual 1.9 -Because 'the second repair waits the 2 s back-off'
            ($done[2].StartTime - $ends[1]).TotalSeconds | Should -BeGreaterOrEqual 3.9 -Because 'the third waits twice as long'
            ($done[2].StartTime - $ends[1]).TotalSeconds | Should -BeLessThan 8 -Because 'and not much longer, with rounds 0.1 s apart'
        }
        finally { $background.Shell.Stop(); $background.Shell.Dispose() }
    }

    It 'keeps its memory flat over a few hundred rounds' {
        $name = New-TestService -Role memory
        Start-TestService $name
        $script = (Get-SessionScript -Lab $lab -KnownHostsFile $knownHosts) + @"

`$shell = [powershell]::Create()
`$null = `$shell.AddScript('param(`$module, `$session) Import-Module `$module; Watch-SentinelService ''$name'' -Session `$session -Interval 0.05 -Count 200 | Out-Null').AddArgument('$ModulePath').AddArgument(`$session)
`$handle = `$shell.BeginInvoke()
`$samples = while (-not `$handle.IsCompleted) {
    [System.Threading.Thread]::Sleep(500)
    [pscustomobject]@{ Managed = [GC]::GetTotalMemory(`$true); WorkingSet = [System.Diagnostics.Process]::GetCurrentProcess().WorkingSet64 }
}
`$shell.EndInvoke(`$handle)
"errors: `$(`$shell.Streams.Error.Count) `$(`$shell.Streams.Error | Out-String)"
"samples: " + (`$samples | ConvertTo-Json -Compress)
"@
        $output = Invoke-ChildPwsh -Script $script
        ($output | Where-Object { $_ -like 'errors: *' }) | Should -BeLike 'errors: 0 *'
        $samples = (($output | Where-Object { $_ -like 'samples: *' }) -replace '^samples: ') | ConvertFrom-Json
        $samples.Count | Should -BeGreaterThan 8 -Because '200 rounds take several seconds'
        $settled = $samples[[int]($samples.Count / 3)..($samples.Count - 1)]
        $managed = $settled.Managed | Measure-Object -Minimum -Maximum
        ($managed.Maximum - $managed.Minimum) / 1MB | Should -BeLessThan 4 -Because 'what the watch keeps does not grow with the rounds'
        $workingSet = $settled.WorkingSet | Measure-Object -Minimum -Maximum
        ($workingSet.Maximum - $workingSet.Minimum) / 1MB | Should -BeLessThan 24
    }
}

Describe 'Watch-SentinelService over a connection that breaks' {
    It 'reconnects insisting on the same host key: a restarted sshd is watched on; a changed key is Unknown, with one HostKeyMismatch' {
        $own = Start-SentinelLab -NoNginx
        $ownKnownHosts = Join-Path $TestDrive 'known_hosts-reconnect'
        $name = New-TestService -Role reconnect
        Start-TestService $name
        $script = @"
Import-Module '$ModulePath'
`$credential = [pscredential]::new('$($own.UserName)', (ConvertTo-SecureString '$($own.Password)' -AsPlainText -Force))
Watch-SentinelService '$name' -ComputerName $($own.ComputerName) -Port $($own.Port) -Credential `$credential -KnownHostsFile '$ownKnownHosts' -Interval 0.2
"@
        $background = Start-BackgroundPipeline -Script $script
        try {
            $records = { @(for ($i = 0; $i -lt $background.Output.Count; $i++) { $background.Output[$i] }) }
            Wait-Until { (& $records).Count -ge 1 } | Should -BeTrue
            Restart-SentinelLab -Lab $own
            Stop-TestService $name
            Wait-Until { (& $records | Select-Object -Last 1).State -eq 'Stopped' } -TimeoutSeconds 15 | Should -BeTrue -Because 'the watch reconnected to the restarted sshd and saw the stop'
            Restart-SentinelLab -Lab $own -NewHostKey
            # Indexed: enumerating a stream of a running pipeline waits for it to end.
            $mismatch = { $errors = $background.Shell.Streams.Error; @(for ($i = 0; $i -lt $errors.Count; $i++) { if ($errors[$i].FullyQualifiedErrorId -like 'Sentinel.HostKeyMismatch*') { $errors[$i] } }) }
            Wait-Until { (& $mismatch).Count -ge 1 } -TimeoutSeconds 15 | Should -BeTrue -Because 'the reconnect meets another host key and refuses it'
            (& $records | Select-Object -Last 1).State | Should -Be 'Unknown'
            $seen = @(& $records).Count
            $errorCount = $background.Shell.Streams.Error.Count
            Wait-Until { $false } -TimeoutSeconds 1 | Out-Null
            @(& $records).Count | Should -Be $seen -Because 'an outage is one record, not one per round'
            $background.Shell.Streams.Error.Count | Should -Be $errorCount -Because 'and its error is written once, not every round'
            (& $mismatch).Count | Should -Be 1
        }
        finally {
            $background.Shell.Stop(); $background.Shell.Dispose()
            Stop-SentinelLab -Lab $own
        }
    }
}

Describe 'Get-SentinelServiceLog' {
    It 'reads the last lines of nginx''s error log, under sudo since the file is not the user''s' {
        $marker = "sentinel-log-test-$suffix"
        Add-Content /var/log/nginx/error.log "$marker 1", "$marker 2", "$marker 3"
        $log = Get-SentinelServiceLog nginx -Session $session -Tail 2
        $log | Should -BeOfType Sentinel.Results.ServiceLog
        $log.Source | Should -Be '/var/log/nginx/error.log'
        $log.Sudo | Should -BeTrue
        $log.Lines | Should -Be "$marker 2", "$marker 3"
        $log.Truncated | Should -BeFalse
        (Get-SentinelServiceLog nginx -Session $session -Tail 3 -MaxOutputBytes 10).Truncated | Should -BeTrue
    }

    It 'says ServiceLogUnknown for a service whose log it does not know' {
        $name = New-TestService -Role log
        Get-SentinelServiceLog $name -Session $session -ErrorVariable failure -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceLogUnknown,*'
        $failure[0].TargetObject | Should -Be $lab.ComputerName
    }
}

Describe 'Get-SentinelServer -Shard' {
    BeforeAll {
        $shardServers = Join-Path $TestDrive 'shards.json'
        $saved = $env:SENTINEL_SERVERS
        $env:SENTINEL_SERVERS = $shardServers
        1..60 | ForEach-Object { Add-SentinelServer -Name "web$_" -ComputerName "10.0.0.$_" } | Out-Null
    }
    AfterAll { $env:SENTINEL_SERVERS = $saved }

    It 'splits the inventory into disjoint shards whose union is the inventory' {
        $shards = 1..4 | ForEach-Object { , @((Get-SentinelServer -Shard "$_/4").Name) }
        $all = $shards | ForEach-Object { $_ }
        $all.Count | Should -Be 60
        ($all | Sort-Object -Unique).Count | Should -Be 60 -Because 'no server is in two shards'
        $shards | ForEach-Object { $_.Count | Should -BeGreaterThan 5 -Because 'the hash spreads the servers' }
        (Get-SentinelServer -Shard 1/4).Name | Should -Be $shards[0] -Because 'the partition is stable'
    }

    It 'moves no other server when one is added, and few when a runner is added' {
        $before = @{}
        foreach ($k in 1..4) { (Get-SentinelServer -Shard "$k/4").Name | ForEach-Object { $before[$_] = $k } }
        Add-SentinelServer -Name web61 -ComputerName 10.0.0.61 | Out-Null
        foreach ($k in 1..4) {
            foreach ($server in (Get-SentinelServer -Shard "$k/4").Name | Where-Object { $_ -ne 'web61' }) { $before[$server] | Should -Be $k }
        }
        $five = @{}; 1..5 | ForEach-Object { $k = $_; (Get-SentinelServer -Shard "$k/5").Name | ForEach-Object { $five[$_] = $k } }
        $moved = @($before.Keys | Where-Object { $five[$_] -ne $before[$_] })
        $moved.Count | Should -BeLessThan 24 -Because 'going from 4 to 5 runners moves about a fifth of the servers (to the new shard), not most of them'
        ($moved | ForEach-Object { $five[$_] } | Sort-Object -Unique) | Should -Be 5 -Because 'only the new shard takes servers'
    }

    It 'refuses a shard that is not k/n' {
        { Get-SentinelServer -Shard 5/4 -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.InvalidArgument*'
    }
}

Describe 'Repairs on a real systemd host' {
    # systemd's own view (systemctl inside the host through nsenter, not through Sentinel) is what the checks compare with.
    BeforeAll {
        $systemd = Start-SentinelSystemdHost
        $systemdCredential = Get-SentinelLabCredential -Lab $systemd
        $systemdSession = Connect-SentinelServer -ComputerName $systemd.ComputerName -Port $systemd.Port -KnownHostsFile (Join-Path $TestDrive 'known_hosts-systemd') -Credential $systemdCredential
        function Get-UnitState { param([string]$Unit) "$(Invoke-SentinelSystemdHostCommand $systemd @('systemctl', 'show', '--value', '-p', 'ActiveState', '--', $Unit))".Trim() }
    }

    AfterAll {
        if ($systemdSession) { $systemdSession | Disconnect-SentinelServer }
        if ($systemd) { Stop-SentinelRealLab -Instance $systemd }
    }

    It 'starts a stopped nginx unit, checks it stays active, with the journal''s last lines (read under sudo) in the diagnostics' {
        Invoke-SentinelSystemdHostCommand $systemd @('systemctl', 'stop', 'nginx') | Out-Null
        Get-UnitState nginx | Should -Be 'inactive'
        $result = Repair-SentinelService nginx -Session $systemdSession -SettleSeconds 1
        $result.StateBefore | Should -Be 'Stopped'
        $result.Action | Should -Be 'Started'
        $result.StateAfter | Should -Be 'Running'
        $result.Diagnostics | Should -BeLike 'State: Stopped (Systemd), SubState dead*'
        $result.Diagnostics | Should -BeLike '*Log (journal, last 50 lines):*nginx*'
        Get-UnitState nginx | Should -Be 'active'
    }

    It 'reports a unit whose program fails at once as Failed, never Restarted' {
        $result = Repair-SentinelService sentinel-failing -Session $systemdSession -SettleSeconds 2 -Timeout 5
        $result.StateBefore | Should -Be 'Failed'
        $result.Action | Should -Be 'Failed'
        Get-UnitState sentinel-failing | Should -Be 'failed'
    }

    It 'reads a unit''s journal with Get-SentinelServiceLog, under sudo since the user is not in adm' {
        $log = Get-SentinelServiceLog nginx -Session $systemdSession -Tail 5
        $log.Source | Should -Be 'journal'
        $log.Sudo | Should -BeTrue
        $log.Lines.Count | Should -BeGreaterThan 0
        $log.Lines.Count | Should -BeLessOrEqual 5
    }

    It 'watches a unit over the kept-open connection: Stopped, then a change when systemd starts it' {
        $script = (Get-SessionScript -Lab $systemd -KnownHostsFile (Join-Path $TestDrive 'known_hosts-systemd')) + "`nWatch-SentinelService sentinel-idle -Session `$session -Interval 0.2"
        $background = Start-BackgroundPipeline -Script $script
        try {
            Wait-Until { $background.Output.Count -ge 1 } | Should -BeTrue
            Invoke-SentinelSystemdHostCommand $systemd @('systemctl', 'start', 'sentinel-idle') | Out-Null
            Wait-Until { $background.Output.Count -ge 2 } | Should -BeTrue
            $records = for ($i = 0; $i -lt $background.Output.Count; $i++) { $background.Output[$i] }
            $records.State | Should -Be 'Stopped', 'Running'
        }
        finally {
            $background.Shell.Stop(); $background.Shell.Dispose()
            Invoke-SentinelSystemdHostCommand $systemd @('systemctl', 'stop', 'sentinel-idle') | Out-Null
        }
    }
}
