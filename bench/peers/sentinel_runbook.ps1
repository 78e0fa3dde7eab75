<#
.SYNOPSIS
The runbook case for Sentinel: a fresh pwsh that imports the module and runs one command on every host.

.DESCRIPTION
Timed inside from the script's first statement (Import-Module included) to every host's result in
hand; the harness times the whole process around it. Also reports the import and the fan-out
separately, and, with -Again, a second identical call in the same process (warm, not part of the
inside time). started_at and ended_at (Unix seconds: the first statement, the last) let the harness
tell the runtime's start-up and exit from the rest. Invoke-SentinelCommand keeps its default -ThrottleLimit. A host counts as answered only
when its result succeeded with exactly -Expect as output. Prints one JSON line like the Python peers.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$HostsFile,
    [Parameter(Mandatory)][int]$Port,
    [Parameter(Mandatory)][string]$KeyFile,
    [Parameter(Mandatory)][string]$KnownHostsFile,
    [string[]]$KeyExchange,
    [string]$Command = 'echo ok',
    [string]$Expect = "ok`n",
    [switch]$Again
)
$clock = [Diagnostics.Stopwatch]::StartNew()
$startedAt = ([DateTime]::UtcNow - [DateTime]::UnixEpoch).TotalSeconds
Import-Module $ModulePath
$imported = $clock.Elapsed.TotalSeconds
$hosts = [IO.File]::ReadAllLines($HostsFile) | Where-Object { $_ }
$target = @{ ComputerName = $hosts; Port = $Port; KeyFile = $KeyFile; KnownHostsFile = $KnownHostsFile; HostKeyPolicy = 'Strict' }
if ($KeyExchange) { $target.KeyExchange = $KeyExchange }
$results = @(Invoke-SentinelCommand $Command @target -ErrorAction SilentlyContinue -ErrorVariable failed)
$inside = $clock.Elapsed.TotalSeconds
$answered = @($results | Where-Object { $_.Succeeded -and $_.Output -eq $Expect }).Count
$firstError = if ($failed) { "$($failed[0])" } else { $null }
$warm = $null; $warmAnswered = $null
if ($Again) {
    $clock.Restart()
    $results = @(Invoke-SentinelCommand $Command @target -ErrorAction SilentlyContinue -ErrorVariable +failed)
    $warm = $clock.Elapsed.TotalSeconds
    $warmAnswered = @($results | Where-Object { $_.Succeeded -and $_.Output -eq $Expect }).Count
}
@{ seconds = $inside; import_seconds = $imported; work_seconds = $inside - $imported; count = $hosts.Count; failures = $hosts.Count - $answered
    warm_seconds = $warm; warm_failures = if ($Again) { $hosts.Count - $warmAnswered } else { $null }; first_error = $firstError
    started_at = $startedAt; ended_at = ([DateTime]::UtcNow - [DateTime]::UnixEpoch).TotalSeconds } | ConvertTo-Json -Compress
