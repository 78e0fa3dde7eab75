# Issue 23 part 2: systemd's own limits on the real systemd host (Debian bookworm booted with
# systemd-nspawn, tests/lab/SentinelRealLab.psm1): start-limit-hit, -ResetFailed, units systemd is
# restarting itself, and NRestarts in the restart budget. The test units live in /run/systemd/system
# (gone with the host); systemd's own view (systemctl through nsenter) is what the checks compare with.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    # The restart budgets live beside the inventory: this file gets its own, never the user's.
    $env:SENTINEL_SERVERS = Join-Path $TestDrive 'servers.json'
    $systemd = Start-SentinelSystemdHost
    $systemdCredential = Get-SentinelLabCredential -Lab $systemd
    $systemdSession = Connect-SentinelServer -ComputerName $systemd.ComputerName -Port $systemd.Port -KnownHostsFile (Join-Path $TestDrive 'known_hosts-systemd') -Credential $systemdCredential

    function Get-UnitProperty {
        param([string]$Unit, [string]$Property)
        "$(Invoke-SentinelSystemdHostCommand $systemd @('systemctl', 'show', '--value', '-p', $Property, '--', $Unit))".Trim()
    }

    function Install-CrashingUnit {
        # A unit that crashes at once while /run/<unit>.broken exists (and runs otherwise), restarted by
        # systemd on failure, with StartLimitBurst=2 in 10 minutes: broken, it reaches start-limit-hit.
        param([string]$Unit, [string]$Restart = 'on-failure', [string]$RestartSec = '200ms')
        $text = @"
[Unit]
Description=Sentinel lab: crashes while /run/$Unit.broken exists
StartLimitBurst=2
StartLimitIntervalSec=600

[Service]
ExecStart=/bin/sh -c 'test ! -e /run/$Unit.broken && exec sleep 3600'
Restart=$Restart
RestartSec=$RestartSec
"@
        Invoke-SentinelSystemdHostCommand $systemd @('sh', '-c', "cat > /run/systemd/system/$Unit && touch /run/$Unit.broken && systemctl daemon-reload") -InputText $text | Out-Null
    }

    function Start-UntilStartLimitHit {
        param([string]$Unit)
        Invoke-SentinelSystemdHostCommand $systemd @('systemctl', 'start', '--no-block', '--', $Unit) | Out-Null
        # systemd (252) keeps Result=exit-code when its own restarts run into the limit: its journal says so.
        Wait-Until -TimeoutSeconds 30 {
            [int]"$(Invoke-SentinelSystemdHostCommand $systemd @('sh', '-c', "journalctl -u $Unit --no-pager | grep -c 'Start request repeated too quickly' || true"))".Trim() -gt 0 -and (Get-UnitProperty $Unit ActiveState) -eq 'failed'
        } | Should -BeTrue -Because 'systemd restarts the broken unit until its start limit'
    }

    function Repair-Unit { Repair-SentinelService -Session $systemdSession -SettleSeconds 1 -Timeout 10 @args }
}

AfterAll {
    if ($systemdSession) { $systemdSession | Disconnect-SentinelServer }
    if ($systemd) { Stop-SentinelRealLab -Instance $systemd }
}

Describe 'A unit at systemd''s start limit' {
    It 'is reported as start-limit-hit with its burst and interval, and -ResetFailed brings it back once' {
        $unit = 'sentinel-burst.service'
        Install-CrashingUnit $unit
        Start-UntilStartLimitHit $unit

        $status = Get-SentinelService $unit -Session $systemdSession
        $status.State | Should -Be 'Failed'
        $status.Restarts | Should -Be ([int](Get-UnitProperty $unit NRestarts))
        $status.StartLimitBurst | Should -Be 2
        $status.StartLimitInterval | Should -Be '10min'

        # Mended, but systemd still refuses: Restart- and Repair- say why, not a generic failure.
        Invoke-SentinelSystemdHostCommand $systemd @('rm', "/run/$unit.broken") | Out-Null
        $restarted = Restart-SentinelService $unit -Session $systemdSession -ErrorVariable failure -ErrorAction SilentlyContinue
        $restarted.Outcome | Should -Be 'Failed'
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceStartLimitHit,*'
        $failure[0].Exception.Message | Should -BeLike '*start request repeated too quickly (start-limit-hit: 2 starts within 10min*'
        $failure[0].TargetObject | Should -Be $systemd.ComputerName

        $repair = Repair-Unit $unit -RestartBudget 10
        $repair.Action | Should -Be 'Failed'
        $repair.Reason | Should -BeLike 'ServiceStartLimitHit: *2 starts within 10min*'
        Get-UnitProperty $unit ActiveState | Should -Be 'failed'

        $repair = Repair-Unit $unit -RestartBudget 10 -ResetFailed
        $repair.Action | Should -Be 'Restarted'
        $repair.StateAfter | Should -Be 'Running'
        Get-UnitProperty $unit ActiveState | Should -Be 'active'
        Get-UnitProperty $unit Result | Should -Be 'success'
        (Get-SentinelService $unit -Session $systemdSession).Result | Should -Be 'success'
    }

    It 'runs reset-failed only within the restart budget, which counts systemd''s own restarts (NRestarts)' {
        $unit = 'sentinel-storm.service'
        Install-CrashingUnit $unit
        Start-UntilStartLimitHit $unit
        $systemdRestarts = [int](Get-UnitProperty $unit NRestarts)
        $systemdRestarts | Should -BeGreaterThan 0

        $repair = Repair-Unit $unit -RestartBudget $systemdRestarts -ResetFailed
        $repair.Action | Should -Be 'Skipped'
        $repair.Reason | Should -BeLike "BudgetExhausted: $systemdRestarts restart(s) of $unit*(of them $systemdRestarts by systemd itself)*"
        # Nothing was run: no reset-failed (it would have set NRestarts to 0), no start.
        Get-UnitProperty $unit ActiveState | Should -Be 'failed'
        Get-UnitProperty $unit NRestarts | Should -Be "$systemdRestarts"
    }
}

Describe 'A unit systemd is restarting itself' {
    It 'is left to systemd and reported, not started a second time' {
        $unit = 'sentinel-autorestart.service'
        # Restarted by systemd after an hour: it stays in auto-restart for the whole test.
        Install-CrashingUnit $unit -Restart always -RestartSec 1h
        Invoke-SentinelSystemdHostCommand $systemd @('systemctl', 'start', '--no-block', '--', $unit) | Out-Null
        Wait-Until -TimeoutSeconds 30 { (Get-UnitProperty $unit SubState) -eq 'auto-restart' } | Should -BeTrue
        $invocation = Get-UnitProperty $unit InvocationID

        $restarted = Restart-SentinelService $unit -Session $systemdSession -ErrorVariable failure -ErrorAction SilentlyContinue
        $restarted.Outcome | Should -Be 'Failed'
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServiceAutoRestarting,*'
        $failure[0].Exception.Message | Should -BeLike "*is restarting*itself (auto-restart, $(Get-UnitProperty $unit NRestarts) restart(s) so far)*"

        $repair = Repair-Unit $unit
        $repair.Action | Should -Be 'Skipped'
        $repair.Reason | Should -BeLike 'ServiceAutoRestarting: *'

        Get-UnitProperty $unit SubState | Should -Be 'auto-restart'
        Get-UnitProperty $unit InvocationID | Should -Be $invocation -Because 'no start ran beside systemd''s own'
    }
}
