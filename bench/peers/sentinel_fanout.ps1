<#
.SYNOPSIS
The wide fan-out case for Sentinel: a fresh pwsh runs one command on every host at one -ThrottleLimit.

.DESCRIPTION
Run by Invoke-FanOutBench.ps1 inside the wide fleet's network namespace. Invoke-SentinelCommand keeps its
defaults (key exchange, -ConnectTimeout 10 s) but for -ThrottleLimit. Timed from just before the call to
just after it (the import apart). A host is ok when its result exited 0 with exactly -Expect as output
(trimmed); every other host is lost. Errors are counted by FullyQualifiedErrorId (the part before the
comma). Peak memory is this process's VmHWM; import_rss_mib its resident set right after the import (what
the runtime, PowerShell and the module hold before any host), gc_heap_mib the managed heap with every
result still held. cpu_seconds is this process's CPU over the fan-out (all threads, the import apart), and
jit_seconds and jit_methods what the runtime's JIT spent in that time and on how many methods (JitInfo:
time in the JIT on every thread, waits within it included).
Prints one JSON line like bench/peers/fanout.py.
#>
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [Parameter(Mandatory)][string]$HostsFile,
    [Parameter(Mandatory)][int]$Port,
    [Parameter(Mandatory)][string]$KeyFile,
    [Parameter(Mandatory)][string]$KnownHostsFile,
    [Parameter(Mandatory)][int]$ThrottleLimit,
    [string]$Command = 'echo ok',
    [string]$Expect = 'ok'
)
$clock = [Diagnostics.Stopwatch]::StartNew()
Import-Module $ModulePath
$imported = $clock.Elapsed.TotalSeconds
$importRss = [double](((Get-Content /proc/self/status | Select-String '^VmRSS:').Line -split '\s+')[1]) / 1024
$hosts = [IO.File]::ReadAllLines($HostsFile) | Where-Object { $_ }
$me = [Diagnostics.Process]::GetCurrentProcess()
$cpuBefore = $me.TotalProcessorTime
$jitBefore = [System.Runtime.JitInfo]::GetCompilationTime($false)
$jitMethodsBefore = [System.Runtime.JitInfo]::GetCompiledMethodCount($false)
$clock.Restart()
$results = @(Invoke-SentinelCommand $Command -ComputerName $hosts -Port $Port -KeyFile $KeyFile -KnownHostsFile $KnownHostsFile -HostKeyPolicy Strict `
        -ThrottleLimit $ThrottleLimit -ErrorAction SilentlyContinue -ErrorVariable failures)
$seconds = $clock.Elapsed.TotalSeconds
$me.Refresh()
$cpu = ($me.TotalProcessorTime - $cpuBefore).TotalSeconds
$jit = ([System.Runtime.JitInfo]::GetCompilationTime($false) - $jitBefore).TotalSeconds
$jitMethods = [System.Runtime.JitInfo]::GetCompiledMethodCount($false) - $jitMethodsBefore
$ok = @($results | Where-Object { $_.ExitCode -eq 0 -and "$($_.Output)".Trim() -eq $Expect }).Count
$errors = [ordered]@{}
foreach ($group in @($failures | ForEach-Object { ($_.FullyQualifiedErrorId -split ',', 2)[0] } | Group-Object | Sort-Object Count -Descending)) {
    $errors[$group.Name] = $group.Count
}
$gcHeap = [GC]::GetGCMemoryInfo().HeapSizeBytes / 1MB
$peak = [double](((Get-Content /proc/self/status | Select-String '^VmHWM:').Line -split '\s+')[1]) / 1024
$firstError = if ($failures) { "$($failures[0].TargetObject): $($failures[0])" } else { $null }
[ordered]@{ seconds = $seconds; import_seconds = $imported; count = $hosts.Count; ok = $ok; lost = $hosts.Count - $ok; errors = $errors
    peak_mib = $peak; import_rss_mib = $importRss; gc_heap_mib = $gcHeap
    cpu_seconds = $cpu; jit_seconds = $jit; jit_methods = $jitMethods; first_error = $firstError } | ConvertTo-Json -Compress
