# Issue 23 part 1: Restart-SentinelService rolls over a fleet (batches, -MaxUnavailable, -MaxFailure,
# the health gate). The fleet is Start-SentinelLabFleet: 8 loopback addresses, each a host to Sentinel,
# all of them this machine. So the service is one SysV test service of this run that every host
# restarts, and what the hosts did is what they wrote in its log, timed on the host with date +%s.%N:
# 'begin' when its restart starts, 'end' when it has started again, and 'healthy <address>' when the
# health command passed. A host is down from its 'begin' until its 'healthy'.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $fleet = Start-SentinelLabFleet -Count 8
    $credential = Get-SentinelLabCredential -Lab $fleet.Labs[0]
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $fleetCommon = @{ ComputerName = $fleet.Addresses; Port = $fleet.Port; Credential = $credential; KnownHostsFile = $knownHosts; ProgressAction = 'SilentlyContinue' }
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 8)
    $testServices = [System.Collections.Generic.List[string]]::new()

    function New-RollService {
        # A SysV service whose restart logs 'begin', stops, waits a second (so restarts that overlap
        # do overlap in the log), starts 'sleep 3600' and logs 'end'. Restarts from several hosts at
        # once serialise on a lock, as they all restart this one machine's service.
        param([Parameter(Mandatory)][string]$Role, [Parameter(Mandatory)][string]$Log)
        $name = "sentinel-$Role-$suffix"
        [System.IO.File]::WriteAllText($Log, '')
        & chmod 666 $Log
        $script = @"
#!/bin/sh
### BEGIN INIT INFO
# Provides:          $name
# Short-Description: Sentinel rolling restart test service
### END INIT INFO
PIDFILE=/run/$name.pid
start() { start-stop-daemon --start --quiet --oknodo --background --make-pidfile --pidfile `$PIDFILE --startas /bin/sleep -- 3600; }
stop() { if [ -f `$PIDFILE ]; then pid=`$(cat `$PIDFILE); rm -f `$PIDFILE; kill "`$pid" 2>/dev/null; fi; }
case "`$1" in
  start) start ;;
  stop) stop ;;
  restart) exec 9>/run/$name.lock; flock 9; echo "begin `$(date +%s.%N)" >> $Log; stop; sleep 1; start; echo "end `$(date +%s.%N)" >> $Log ;;
  status) [ -f `$PIDFILE ] || exit 3; state=`$(ps -o stat= -p "`$(cat `$PIDFILE)"); case "`$state" in ''|Z*) exit 1 ;; *) exit 0 ;; esac ;;
  *) exit 2 ;;
esac
"@
        Set-Content -Path "/etc/init.d/$name" -Value $script
        & chmod 755 "/etc/init.d/$name"
        $testServices.Add($name)
        & "/etc/init.d/$name" start
        $name
    }

    function Get-HealthCommand {
        # Logs 'healthy <the address the host was reached on>' and exits 0, except on -FailOn.
        param([Parameter(Mandatory)][string]$Log, [string]$FailOn)
        $fail = if ($FailOn) { "case `"`$SSH_CONNECTION`" in *' $FailOn '*) echo 'unhealthy: no answer on /health' >&2; exit 1 ;; esac; " } else { '' }
        "${fail}set -- `$SSH_CONNECTION; echo `"healthy `$(date +%s.%N) `$3`" >> $Log"
    }

    function Get-RollEvents {
        # The log's events in the order of their host timestamps.
        param([string]$Log)
        Get-Content $Log | Where-Object { $_ } | ForEach-Object {
            $word, $time, $address = $_ -split ' '
            [pscustomobject]@{ Event = $word; Time = [decimal]$time; From = $address }
        } | Sort-Object Time
    }
}

AfterAll {
    foreach ($name in $testServices) {
        & "/etc/init.d/$name" stop *> $null
        Remove-Item "/etc/init.d/$name", "/run/$name.lock" -ErrorAction SilentlyContinue
    }
    Stop-SentinelLabFleet -Fleet $fleet
}

Describe 'Restart-SentinelService rolling over 8 hosts' {
    It 'with -BatchSize 1, ''50%'' and a -HealthCommand failing on the third host, stops after that batch with the rest Skipped' {
        $log = "/tmp/sentinel-rollstop-$suffix.log"
        $name = New-RollService -Role rollstop -Log $log
        $results = Restart-SentinelService $name @fleetCommon -BatchSize 1, '50%' -HealthCommand (Get-HealthCommand -Log $log -FailOn $fleet.Addresses[2]) -ErrorVariable failures -ErrorAction SilentlyContinue
        $results.Count | Should -Be 8
        $byHost = @{}; foreach ($result in $results) { $byHost[$result.ComputerName] = $result }
        ($fleet.Addresses | ForEach-Object { $byHost[$_].Batch }) | Should -Be 1, 2, 2, 2, 2, 3, 3, 3
        ($fleet.Addresses | ForEach-Object { "$($byHost[$_].Outcome)" }) | Should -Be 'Succeeded', 'Succeeded', 'Failed', 'Succeeded', 'Succeeded', 'Skipped', 'Skipped', 'Skipped'
        $byHost[$fleet.Addresses[2]].Reason | Should -BeLike 'Unhealthy: the health command exited 1: unhealthy: no answer on /health*'
        foreach ($address in $fleet.Addresses[5..7]) { $byHost[$address].Reason | Should -BeLike 'BreakerTripped: 1 host(s) failed*-MaxFailure allows 1*' }
        # The hosts say the same: five restarts, none after the failing batch, four healthy.
        $events = @(Get-RollEvents $log)
        @($events | Where-Object Event -EQ begin).Count | Should -Be 5
        @($events | Where-Object Event -EQ healthy | ForEach-Object From) | Sort-Object | Should -Be ($fleet.Addresses[0, 1, 3, 4] | Sort-Object)
        $failures.Count | Should -Be 2
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceUnhealthy,*'
        $failures[0].TargetObject | Should -Be $fleet.Addresses[2]
        $failures[1].FullyQualifiedErrorId | Should -BeLike 'Sentinel.RemediationBreakerTripped,*'
        $failures[1].Exception.Message | Should -BeLike '*3 hosts were not restarted*'
    }

    It 'with -MaxUnavailable 1 never has two hosts down at once (from the hosts'' own timestamps)' {
        $log = "/tmp/sentinel-rollone-$suffix.log"
        $name = New-RollService -Role rollone -Log $log
        $results = Restart-SentinelService $name @fleetCommon -MaxUnavailable 1 -HealthCommand (Get-HealthCommand -Log $log)
        $results.Count | Should -Be 8
        $results.Outcome | Sort-Object -Unique | Should -Be 'Succeeded'
        # In time order the hosts' events go begin, end, healthy for one host after another: a second
        # 'begin' before the first host's 'healthy' would be two hosts down at once.
        $events = @(Get-RollEvents $log)
        $events.Count | Should -Be 24
        ($events.Event -join ' ') | Should -Be ((1..8 | ForEach-Object { 'begin end healthy' }) -join ' ')
        @($events | Where-Object Event -EQ healthy | ForEach-Object From) | Sort-Object -Unique | Should -HaveCount 8
    }

    It 'restarts hosts already down under -MaxUnavailable 1: they are down already, so they take no more room' {
        $log = "/tmp/sentinel-rolldown-$suffix.log"
        $name = New-RollService -Role rolldown -Log $log
        & "/etc/init.d/$name" stop
        # Every host sees the one service down, so each is already down and restarting it takes no more room.
        $results = Restart-SentinelService $name @fleetCommon -MaxUnavailable 1 -ThrottleLimit 1 -HealthCommand (Get-HealthCommand -Log $log)
        $results.Outcome | Sort-Object -Unique | Should -Be 'Succeeded'
        @(Get-RollEvents $log | Where-Object Event -EQ begin).Count | Should -Be 8
    }

    It '-WhatIf prints the plan: the batches, which hosts in which order, and touches nothing' {
        $log = "/tmp/sentinel-rollplan-$suffix.log"
        $name = New-RollService -Role rollplan -Log $log
        $script = @"
Import-Module '$ModulePath'
`$credential = [pscredential]::new('$($credential.UserName)', (ConvertTo-SecureString '$($credential.GetNetworkCredential().Password)' -AsPlainText -Force))
`$results = @(Restart-SentinelService '$name' -ComputerName $($fleet.Addresses -join ',') -Port $($fleet.Port) -Credential `$credential -KnownHostsFile '$knownHosts' -BatchSize 1, '50%' -HealthCommand 'true' -WhatIf)
"results: `$(`$results.Count)"
"@
        $output = @(Invoke-ChildPwsh -Script $script)
        $plan = @($output | Where-Object { "$_" -like 'What if:*' })
        $plan.Count | Should -Be 8
        $plan[0] | Should -BeLike "What if: Batch 1 of 3, $($fleet.Addresses[0]): restart $name, then check it is Running and that the health command exits 0 within 10 s*"
        $plan[1] | Should -BeLike "What if: Batch 2 of 3, $($fleet.Addresses[1]):*"
        $plan[4] | Should -BeLike "What if: Batch 2 of 3, $($fleet.Addresses[4]):*"
        $plan[5] | Should -BeLike "What if: Batch 3 of 3, $($fleet.Addresses[5]):*"
        $plan[7] | Should -BeLike "What if: Batch 3 of 3, $($fleet.Addresses[7]):*"
        ($output -join "`n") | Should -BeLike '*results: 0*'
        (Get-Content $log -Raw) | Should -BeNullOrEmpty
    }
}
