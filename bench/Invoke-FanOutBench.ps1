#!/usr/bin/env pwsh
<#
.SYNOPSIS
Fan-out at scale: `echo ok` on 1,000 hosts (by default; -Hosts 15,100,1000 measures each count, for
the cost per host) at each -ThrottleLimit, Sentinel against AsyncSSH, counting the hosts each one loses. Writes out/bench/fanout.json and its section of docs/benchmarks.md
(between the fanout-bench markers).

.DESCRIPTION
The hosts are Start-SentinelLabWideFleet's: one lab sshd (MaxStartups 2000) in a network namespace of its
own answers on 127.0.1.1, 127.0.1.2 ... and -BlackHoles addresses from 127.0.9.1 drop every SYN. Each run
is a fresh client process inside that namespace (`ip netns exec`), with its open-file limit raised to
65,536 or the hard limit (prlimit) so a thousand connections fit:
  Sentinel            `dotnet pwsh -NoProfile -File bench/peers/sentinel_fanout.ps1`: Invoke-SentinelCommand
                      -ThrottleLimit <limit>, its default key exchange and -ConnectTimeout (10 s).
  AsyncSSH            `python3 bench/peers/fanout.py`: an asyncio.Semaphore(<limit>) around connect + run,
                      connect_timeout=10.
  AsyncSSH-NoTimeout  the same without connect_timeout (AsyncSSH's default).
Every tool gets the lab key, the fleet's known_hosts and strict host-key checking. Tools alternate within
each limit and repetition; before each run the harness waits until the sshd has no connection left from
the one before. Time is measured inside the client, from just before the fan-out to every result in hand
(the import apart); peak memory is the client's VmHWM. Server and clients share this machine's CPUs
(-CpuList pins both with taskset, -ServerCpuList the sshd apart), so the figures are indicative.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModulePath,
    # Strings, split at commas, like -ThrottleLimit. Each count runs on the first hosts of one fleet.
    [string[]]$Hosts = @('1000'),
    # Strings, split at commas, so that `pwsh -File ... -ThrottleLimit 32,200,1000` works too.
    [string[]]$ThrottleLimit = @('32', '200', '1000'),
    [ValidateRange(1, 20)][int]$Repeat = 1,
    [string]$CpuList = '',
    [string]$ServerCpuList = $CpuList,
    [ValidateRange(0, 254)][int]$BlackHoles = 0,
    [string[]]$Tool = @('Sentinel', 'AsyncSSH', 'AsyncSSH-NoTimeout'),
    [string]$JsonPath = (Join-Path $PSScriptRoot '../out/bench/fanout.json'),
    [string]$OutputDirectory = (Join-Path $PSScriptRoot '../docs')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$Python = '/usr/bin/python3'   # Debian's, where python3-asyncssh installs
$env:PYTHONDONTWRITEBYTECODE = '1'
$env:PYTHONWARNINGS = 'ignore'
# A thousand connections need more than the usual 1,024 open files: the clients get up to 65,536, within
# the hard limit (which this process cannot raise in a container without CAP_SYS_RESOURCE).
$hardOpenFiles = (& sh -c 'ulimit -Hn').Trim()
$OpenFiles = if ($hardOpenFiles -eq 'unlimited' -or [long]$hardOpenFiles -ge 65536) { 65536 } else { [int]$hardOpenFiles }
$ToolNames = [ordered]@{ 'Sentinel' = 'Sentinel'; 'AsyncSSH' = 'AsyncSSH (connect_timeout=10)'; 'AsyncSSH-NoTimeout' = 'AsyncSSH (no connect_timeout)' }
$ModulePath = (Resolve-Path $ModulePath).Path
[int[]]$ThrottleLimit = @($ThrottleLimit -split ',' | ForEach-Object { [int]$_.Trim() })
[int[]]$Hosts = @($Hosts -split ',' | ForEach-Object { [int]$_.Trim() })
if (@($Hosts | Where-Object { $_ -lt 1 -or $_ -gt 2032 })) { throw "-Hosts takes 1 to 2032 (the wide fleet's addresses): $($Hosts -join ',')" }
$FleetSize = ($Hosts | Measure-Object -Maximum).Maximum
if (@($ThrottleLimit | Where-Object { $_ -lt 1 -or $_ -gt 1024 })) { throw "-ThrottleLimit takes 1 to 1024 (Invoke-SentinelCommand's range): $($ThrottleLimit -join ',')" }
[string[]]$Tool = @($Tool -split ',' | ForEach-Object { $_.Trim() })
foreach ($name in $Tool) { if (-not $ToolNames.Contains($name)) { throw "-Tool takes $($ToolNames.Keys -join ', '), not '$name'." } }

& dpkg -s python3-asyncssh *> $null
if ($LASTEXITCODE -ne 0) { & apt-get install -y -q python3-asyncssh | Out-Null }

function Invoke-FanOutClient {
    # One fresh client process in the fleet's namespace; its JSON line, or a row saying it failed.
    param($Fleet, [string[]]$Command)
    $prefix = @('netns', 'exec', $Fleet.Namespace, 'prlimit', "--nofile=${OpenFiles}:$OpenFiles")
    if ($CpuList) { $prefix += @('taskset', '-c', $CpuList) }
    $errorFile = [IO.Path]::GetTempFileName()
    try {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $output = @(& ip @prefix @Command 2> $errorFile)
        $wall = $clock.Elapsed.TotalSeconds
        $line = $output | Where-Object { "$_".StartsWith('{') } | Select-Object -Last 1
        if ($LASTEXITCODE -ne 0 -or -not $line) {
            $tail = (Get-Content $errorFile -Tail 5) -join ' '
            return @{ seconds = $null; import_seconds = $null; ok = 0; errors = @{ 'client failed' = 1 }; peak_mib = $null; import_rss_mib = $null; first_error = "exit $LASTEXITCODE`: $tail"; wall = $wall }
        }
        $result = $line | ConvertFrom-Json -AsHashtable
        $result.wall = $wall
        $result
    }
    finally { Remove-Item $errorFile -ErrorAction SilentlyContinue }
}

function Wait-SshdIdle {
    # Readiness, not a sleep: polls until the previous run's connection processes are gone.
    param($Lab, [int]$TimeoutSeconds = 180)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (@(Get-SentinelLabConnectionProcess -Lab $Lab).Count -gt 0) {
        if ([DateTime]::UtcNow -gt $deadline) { Write-Warning "sshd still has connections after $TimeoutSeconds s; going on."; return }
        [System.Threading.Thread]::Sleep(200)
    }
}

function Format-Errors($Errors) {
    if (-not $Errors -or $Errors.Count -eq 0) { return 'none' }
    ($Errors.GetEnumerator() | Sort-Object Value -Descending | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', '
}

Import-Module (Join-Path $RepoRoot 'tests/lab/SentinelLab.psm1') -Force
$Results = [System.Collections.Generic.List[object]]::new()
$load = @((Get-Content /proc/loadavg -Raw).Split(' ')[0])
$started = (Get-Date).ToUniversalTime()
$fleet = $null
$work = Join-Path ([IO.Path]::GetTempPath()) "sentinel-fanoutbench-$PID"
New-Item -ItemType Directory $work | Out-Null
Push-Location $RepoRoot   # `dotnet pwsh` finds the pinned local tool from here
try {
    $fleet = Start-SentinelLabWideFleet -Count $FleetSize -BlackHoleCount $BlackHoles -CpuList $ServerCpuList
    $hostsFiles = @{}
    foreach ($count in $Hosts) {
        $hostsFiles[$count] = Join-Path $work "hosts-$count"
        Set-Content $hostsFiles[$count] (@($fleet.Addresses | Select-Object -First $count) + @($fleet.BlackHoles))
    }
    $common = @{ Port = "$($fleet.Port)"; Key = $fleet.Lab.KeyPath; KnownHosts = $fleet.KnownHostsFile }
    Write-Host "Wide fleet: $FleetSize hosts$(if ($BlackHoles) { " and $BlackHoles black holes" }) in $($fleet.Namespace), port $($fleet.Port)"

    for ($rep = 0; $rep -lt $Repeat; $rep++) {
        foreach ($count in $Hosts) {
            $hostsFile = $hostsFiles[$count]
            for ($t = 0; $t -lt $ThrottleLimit.Count; $t++) {
                $limit = $ThrottleLimit[$t]
                $shift = ($rep + $t) % $Tool.Count
                $order = @($Tool[$shift..($Tool.Count - 1)]) + @(if ($shift) { $Tool[0..($shift - 1)] })
                foreach ($name in $order) {
                    Wait-SshdIdle -Lab $fleet.Lab
                    $command = if ($name -eq 'Sentinel') {
                        @('dotnet', 'pwsh', '-NoProfile', '-File', (Join-Path $PSScriptRoot 'peers/sentinel_fanout.ps1'), '-ModulePath', $ModulePath, '-HostsFile', $hostsFile,
                            '-Port', $common.Port, '-KeyFile', $common.Key, '-KnownHostsFile', $common.KnownHosts, '-ThrottleLimit', "$limit")
                    }
                    else {
                        @($Python, (Join-Path $PSScriptRoot 'peers/fanout.py'), '--hosts-file', $hostsFile, '--port', $common.Port, '--key', $common.Key,
                            '--known-hosts', $common.KnownHosts, '--parallel', "$limit", '--command', 'echo ok', '--connect-timeout', $(if ($name -eq 'AsyncSSH') { '10' } else { '0' }))
                    }
                    $r = Invoke-FanOutClient -Fleet $fleet -Command $command
                    $row = [pscustomobject]@{
                        Tool = $ToolNames[$name]; Hosts = $count; ThrottleLimit = $limit; Repetition = $rep + 1; Seconds = $r.seconds; WallSeconds = $r.wall; ImportSeconds = $r.import_seconds
                        Ok = [int]$r.ok; Lost = $count - [int]$r.ok; PeakMiB = $r.peak_mib; ImportRssMiB = $r.import_rss_mib
                        GcHeapMiB = $r['gc_heap_mib']; CpuSeconds = $r['cpu_seconds']; JitSeconds = $r['jit_seconds']; JitMethods = $r['jit_methods']
                        Errors = $r.errors; FirstError = $r.first_error
                    }
                    $Results.Add($row)
                    Write-Host ("  {0,-32} hosts {1,5} limit {2,5}  {3,8} s  ok {4,5}  lost {5,5}  {6,7} MiB  {7}" -f $row.Tool, $count, $limit,
                        $(if ($null -ne $row.Seconds) { '{0:N2}' -f $row.Seconds } else { '-' }), $row.Ok, $row.Lost,
                        $(if ($null -ne $row.PeakMiB) { '{0:N0}' -f $row.PeakMiB } else { '-' }), (Format-Errors $row.Errors))
                }
            }
        }
    }
}
finally {
    Pop-Location
    if ($fleet) { Stop-SentinelLabWideFleet -Fleet $fleet }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
$load += (Get-Content /proc/loadavg -Raw).Split(' ')[0]

# --- the run's command line, as it would be typed from the repository ----------------------------
$run = [System.Collections.Generic.List[string]]::new()
$run.Add('bench/Invoke-FanOutBench.ps1')
$run.Add("-ModulePath $([IO.Path]::GetRelativePath($RepoRoot, $ModulePath))")
$run.Add("-Hosts $($Hosts -join ',')")
$run.Add("-ThrottleLimit $($ThrottleLimit -join ',')")
if ($Repeat -ne 1) { $run.Add("-Repeat $Repeat") }
if ($CpuList) { $run.Add("-CpuList '$CpuList'") }
if ($ServerCpuList -ne $CpuList) { $run.Add("-ServerCpuList '$ServerCpuList'") }
if ($BlackHoles) { $run.Add("-BlackHoles $BlackHoles") }
if ($PSBoundParameters.ContainsKey('Tool')) { $run.Add("-Tool $($Tool -join ',')") }
$runLine = $run -join ' '

$machine = [ordered]@{
    nproc  = [int](& nproc).Trim()
    kernel = (& uname -r).Trim()
    cpu    = ((Get-Content /proc/cpuinfo | Select-String '^model name' | Select-Object -First 1).Line -split ':\s*', 2)[1]
    sshd   = ((& /usr/sbin/sshd -V 2>&1) -join ' ').Trim()
}
New-Item -ItemType Directory -Path (Split-Path $JsonPath) -Force | Out-Null
[ordered]@{ date = $started.ToString('yyyy-MM-dd HH:mm') + ' UTC'; command = $runLine; machine = $machine; load = $load; hosts = $Hosts; repetitions = $Repeat; black_holes = $BlackHoles
    cpu_list = $CpuList; server_cpu_list = $ServerCpuList; results = $Results } | ConvertTo-Json -Depth 5 | Set-Content $JsonPath
Write-Host "Wrote $JsonPath"

# --- report: its own section of docs/benchmarks.md ---------------------------------------------------
$lines = [System.Collections.Generic.List[string]]::new()
$lines.Add('<!-- fanout-bench:start -->')
$lines.Add("## Fan-out to $(($Hosts | ForEach-Object { '{0:N0}' -f $_ }) -join ', ') hosts: -ThrottleLimit, lost hosts and the cost per host")
$lines.Add('')
$lines.Add("Run: ``$runLine`` on $($started.ToString('yyyy-MM-dd HH:mm')) UTC, $($machine.nproc) cores ($($machine.cpu), kernel $($machine.kernel)) " +
    "shared with other work (load average $($load[0]) at the start, $($load[1]) at the end)$(if ($Repeat -gt 1) { ", $Repeat repetitions: time and memory median (min-max), hosts ok the fewest, hosts lost the most, errors summed" })." )
$lines.Add('')
$lines.Add("Every host is one sshd ($($machine.sshd -replace ',.*', ''), MaxStartups 2000) in a network namespace of its own, answering on 127.0.1.1 and up " +
    "(``Start-SentinelLabWideFleet``)$(if ($BlackHoles) { ", with $BlackHoles black holes (127.0.9.x, every SYN dropped) among the hosts" }); server and client share the CPUs" +
    "$(if ($CpuList) { " (pinned: clients to $CpuList, sshd to $ServerCpuList)" }), so the figures are indicative. Each row is a fresh client process in the namespace running " +
    '`echo ok` on every host, timed from just before the fan-out to every result in hand (the import apart); a host is ok when it printed `ok` and exited 0, ' +
    'lost otherwise. Sentinel: `Invoke-SentinelCommand -ThrottleLimit <limit>` with its default key exchange and `-ConnectTimeout` (10 s), errors by ' +
    'FullyQualifiedErrorId. AsyncSSH: an `asyncio.Semaphore(<limit>)` around `connect` + `run`, errors by exception class. Peak memory: the client''s VmHWM.')
$lines.Add('')
$lines.Add('| Tool | Hosts | -ThrottleLimit | Time (s) | Time per host (ms) | Hosts ok | Hosts lost | Peak memory (MiB) | Errors |')
$lines.Add('|---|---:|---:|---:|---:|---:|---:|---:|---|')
$spread = {
    param([object[]]$Values, [string]$Format)
    $sorted = @($Values | Where-Object { $null -ne $_ } | ForEach-Object { [double]$_ } | Sort-Object)
    if ($sorted.Count -eq 0) { return '-' }
    $median = $sorted[[int][Math]::Floor(($sorted.Count - 1) / 2)]
    if ($sorted.Count -eq 1) { $Format -f $median } else { "$($Format -f $median) ($($Format -f $sorted[0])-$($Format -f $sorted[-1]))" }
}
foreach ($name in $ToolNames.Values) {
    foreach ($count in $Hosts) {
        foreach ($limit in $ThrottleLimit) {
            $rows = @($Results | Where-Object { $_.Tool -eq $name -and $_.Hosts -eq $count -and $_.ThrottleLimit -eq $limit })
            if ($rows.Count -eq 0) { continue }
            $errors = [ordered]@{}
            foreach ($row in $rows) {
                if (-not $row.Errors) { continue }
                foreach ($pair in $row.Errors.GetEnumerator()) {
                    $errors[$pair.Key] = $(if ($errors.Contains($pair.Key)) { $errors[$pair.Key] } else { 0 }) + [int]$pair.Value
                }
            }
            $lost = ($rows | Measure-Object Lost -Maximum).Maximum
            $perHost = @($rows | Where-Object { $null -ne $_.Seconds } | ForEach-Object { $_.Seconds / $count * 1000 })
            $lines.Add(('| {0} | {1:N0} | {2} | {3} | {4} | {5:N0} | {6} | {7} | {8} |' -f $name, $count, $limit, (& $spread $rows.Seconds '{0:N2}'), (& $spread $perHost '{0:N1}'),
                    ($rows | Measure-Object Ok -Minimum).Minimum, $(if ($lost) { "**$('{0:N0}' -f $lost)**" } else { '0' }), (& $spread $rows.PeakMiB '{0:N0}'), (Format-Errors $errors)))
        }
    }
}
$lines.Add('')
$lines.Add('The measurements are in `out/bench/fanout.json` (each run''s first error too).')
$lines.Add('<!-- fanout-bench:end -->')
$report = Join-Path $OutputDirectory 'benchmarks.md'
$text = Get-Content $report -Raw
$section = ($lines -join "`n")
$text = if ($text -match '(?s)<!-- fanout-bench:start -->.*<!-- fanout-bench:end -->') { $text -replace '(?s)<!-- fanout-bench:start -->.*<!-- fanout-bench:end -->', $section.Replace('$', '$$') } else { $text.TrimEnd("`n") + "`n`n" + $section + "`n" }
Set-Content $report $text -NoNewline
Write-Host "Wrote the fan-out section of $report"
