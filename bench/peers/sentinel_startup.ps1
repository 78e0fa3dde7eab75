<#
.SYNOPSIS
First connection in a fresh pwsh against warm ones: Connect-SentinelServer, Invoke-SentinelCommand
'true', Disconnect-SentinelServer, timed the first time after Import-Module (not timed), then -Count
more times in the same process.

.DESCRIPTION
What a runbook pays once per process (the runtime compiling Sentinel's and SSH.NET's code paths,
first uses of the crypto providers) shows as the difference between the first time and the median
of the warm ones. Prints one JSON line: first_ms, warm_ms (median), warm_min_ms, warm_max_ms, failures.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][int]$Port,
    [Parameter(Mandatory)][string]$KeyFile,
    [Parameter(Mandatory)][string]$KnownHostsFile,
    [string[]]$KeyExchange,
    [string]$ComputerName = '127.0.0.1',
    [int]$Count = 10
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
$target = @{ ComputerName = $ComputerName; Port = $Port; KeyFile = $KeyFile; KnownHostsFile = $KnownHostsFile; HostKeyPolicy = 'Strict' }
if ($KeyExchange) { $target.KeyExchange = $KeyExchange }
$failures = 0
$times = for ($i = 0; $i -le $Count; $i++) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $session = Connect-SentinelServer @target
    $result = Invoke-SentinelCommand 'true' -Session $session
    Disconnect-SentinelServer -Session $session
    $clock.Elapsed.TotalMilliseconds
    if (-not $result.Succeeded) { $failures++ }
}
$warm = @($times | Select-Object -Skip 1 | Sort-Object)
$median = if ($warm.Count % 2) { $warm[[int][Math]::Floor($warm.Count / 2)] } else { ($warm[$warm.Count / 2 - 1] + $warm[$warm.Count / 2]) / 2 }
@{ first_ms = $times[0]; warm_ms = $median; warm_min_ms = $warm[0]; warm_max_ms = $warm[-1]; failures = $failures } | ConvertTo-Json -Compress
