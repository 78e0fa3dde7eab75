<#
.SYNOPSIS
Sentinel's main job against the lab: test the connection, connect, run commands, repair a stopped service, show the results.

.DESCRIPTION
Starts the lab sshd on the module's embedded default, localhost:2222, user sentinel, with the lab
password in $env:SSH_PASS, exactly as a runbook would configure it, and stops the lab at the end.
#>
param([Parameter(Mandatory)][string]$ModulePath)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
if ([Console]::IsOutputRedirected) { $PSStyle.OutputRendering = 'PlainText' }

Import-Module (Join-Path $PSScriptRoot 'SentinelLab.psm1') -Force
Import-Module $ModulePath

$lab = Start-SentinelLab -Port 2222 -Name demo -KeepHostKey
try {
    # The demo's known_hosts lives with its lab instance, so it never touches ~/.ssh of the machine.
    $knownHosts = Join-Path $lab.Root 'known_hosts'
    $env:SSH_PASS = $lab.Password
    # The repair's restart budget is kept beside the inventory: the demo's own, with its lab instance,
    # fresh each run (the instance folder is kept for its host key, and a 4th run in 30 min would be over budget).
    $env:SENTINEL_SERVERS = Join-Path $lab.Root 'servers.json'
    Remove-Item (Join-Path $lab.Root 'remediation-state.json') -ErrorAction SilentlyContinue
    Remove-Item Env:SSH_HOST, Env:SSH_PORT, Env:SSH_USER -ErrorAction SilentlyContinue

    Write-Host "`n== Test-SentinelConnection -Service nginx   (defaults: localhost:2222, user sentinel, `$env:SSH_PASS)"
    $test = Test-SentinelConnection -Service nginx -KnownHostsFile $knownHosts
    $test.Steps | Format-Table Step, Passed, @{ n = 'ms'; e = { [int]$_.Duration.TotalMilliseconds } }, Detail -AutoSize | Out-String -Width 200 | Write-Host
    if (-not $test.Passed) { throw "The connection test failed at step $($test.FailedStep.Step): $($test.FailedStep.Hint)" }

    Write-Host "== Connect-SentinelServer"
    $session = Connect-SentinelServer -KnownHostsFile $knownHosts
    $session | Format-Table Id, ComputerName, Port, UserName, State, HostKeyFingerprint, ServerVersion -AutoSize | Out-String -Width 200 | Write-Host

    Write-Host "== Invoke-SentinelCommand"
    $results = 'hostname', 'uname -sr', 'uptime -p', 'df -h / | tail -1', '/usr/sbin/service nginx status', 'ls /no/such/path' |
        ForEach-Object { Invoke-SentinelCommand $_ }
    $results | Format-Table Command, ExitCode, Succeeded,
        @{ n = 'ms'; e = { [int]$_.Duration.TotalMilliseconds } },
        @{ n = 'Output (first line)'; e = { (($_.Output + $_.Error).Trim() -split "`n")[0] } } -AutoSize | Out-String -Width 200 | Write-Host

    Write-Host "== Repair-SentinelService nginx   (nginx stopped first, as if it had crashed)"
    $null = Stop-SentinelService nginx
    $repair = Repair-SentinelService nginx -SettleSeconds 2
    $repair | Format-Table ComputerName, Name, StateBefore, Action, StateAfter, @{ n = 'ms'; e = { [int]$_.Duration.TotalMilliseconds } }, Reason -AutoSize | Out-String -Width 200 | Write-Host
    if ($repair.Action -ne 'Started') { throw "The repair did not start nginx: $($repair.Reason)" }

    Get-SentinelSession | Disconnect-SentinelServer
    Write-Host "Demo finished: $(@($results | Where-Object Succeeded).Count) of $($results.Count) commands exited 0; open sessions left: $(@(Get-SentinelSession).Count)."
}
finally {
    # A demo that failed half-way leaves nginx as it found it: running.
    & /usr/sbin/service nginx status *> $null
    if ($LASTEXITCODE -ne 0 -and -not $lab.StartedNginxPid) { & /usr/sbin/service nginx start *> $null }
    Stop-SentinelLab -Lab $lab
}
