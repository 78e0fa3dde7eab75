<#
.SYNOPSIS
Memory of idle sessions: a fresh pwsh imports the module, opens -Count sessions over the hosts of
-HostsFile (round robin), runs `true` on each, and reports the process's peak resident set and thread
count with them all open; with -Baseline, the same process with the module imported and no session.

.DESCRIPTION
Peak: Process.PeakWorkingSet64 (the kernel's VmHWM, as the Python peers read it). Threads: the
Threads line of /proc/self/status. Prints one JSON line like the Python peers.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [string]$HostsFile,
    [int]$Port,
    [string]$KeyFile,
    [string]$KnownHostsFile,
    [int]$Count = 100,
    [switch]$Baseline
)
Import-Module $ModulePath
$me = [Diagnostics.Process]::GetCurrentProcess()
function Get-Status {
    $me.Refresh()
    $threads = [int](((Get-Content /proc/self/status | Where-Object { $_ -like 'Threads:*' }) -split '\s+')[1])
    @{ peak_mib = [Math]::Round($me.PeakWorkingSet64 / 1MB, 1); threads = $threads }
}
if ($Baseline) {
    Get-Status | ConvertTo-Json -Compress
    return
}
$hosts = [IO.File]::ReadAllLines($HostsFile) | Where-Object { $_ }
$common = @{ Port = $Port; KeyFile = $KeyFile; KnownHostsFile = $KnownHostsFile; HostKeyPolicy = 'Strict' }
$sessions = for ($i = 0; $i -lt $Count; $i++) { Connect-SentinelServer -ComputerName $hosts[$i % $hosts.Count] @common -ErrorAction SilentlyContinue -ErrorVariable +failed }
$ran = @(Invoke-SentinelCommand true -Session $sessions | Where-Object Succeeded).Count
$status = Get-Status
$open = @(Get-SentinelSession | Where-Object State -eq 'Open').Count
Get-SentinelSession | Disconnect-SentinelServer
$status.open = $open
$status.failures = $Count - [Math]::Min($open, $ran)
$status.first_error = if ($failed) { "$($failed[0])" } else { $null }
$status | ConvertTo-Json -Compress
