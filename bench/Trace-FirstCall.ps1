<#
.SYNOPSIS
Where the first call in a fresh process spends its time: the methods the JIT compiles during
Import-Module, the first Invoke-SentinelCommand on a loopback fleet and a second (warm) one, by owner.

.DESCRIPTION
Starts the lab's fleet (127.0.0.2 and up, tests/lab/SentinelLab.psm1), then runs -Repeat fresh pwsh
processes, each: Import-Module, Invoke-SentinelCommand 'echo ok' on every host, the same call again.
Each process reads [System.Runtime.JitInfo] (methods compiled, time in the JIT summed over threads) and
a Stopwatch at the checkpoints, and the runtime lists every method it compiles
(DOTNET_JitStdOutFile with DOTNET_JitDisasmSummary=1, which release runtimes honour). The methods between
two checkpoints are grouped by owner: Sentinel.dll (IL), the ReadyToRun adapter and dependencies
(Sentinel.Ssh, SSH.NET, BouncyCastle), PowerShell, the base library's generics over Sentinel's or
SSH.NET's types (async state machines, collections), the rest of the base library, and dynamic methods
(PowerShell's binders, reflection stubs). The count includes tier-1 recompilations that the runtime
does on a background thread, which is why a warm call still shows some.
Prints one table per process and the medians; stops the fleet by PID. Needs root (the lab).
For the time of assembly and type loads, run the same process under
`dotnet-trace collect --providers Microsoft-Windows-DotNETRuntime:0x800000801C:5`.
#>
param(
    [string]$ModulePath = (Join-Path $PSScriptRoot '../out/Sentinel/0.1.0/Sentinel.psd1'),
    [ValidateRange(1, 100)][int]$Hosts = 15,
    [ValidateRange(1, 50)][int]$Repeat = 3,
    # Keep each process's list of compiled methods here (jit-<n>.txt); a temporary folder otherwise.
    [string]$OutputDirectory
)
$ErrorActionPreference = 'Stop'
$ModulePath = (Resolve-Path $ModulePath).Path
Import-Module (Join-Path $PSScriptRoot '../tests/lab/SentinelLab.psm1') -Force
$work = if ($OutputDirectory) { New-Item -ItemType Directory -Path $OutputDirectory -Force } else { New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "sentinel-firstcall-$PID") }
$pwsh = @([Environment]::ProcessPath)
if ((Split-Path -Leaf $pwsh[0]) -like 'dotnet*') { $pwsh += (Join-Path $PSHOME 'pwsh.dll') }

# What each fresh process runs: checkpoints before and after the import and each call.
$probe = @'
param($ModulePath, $HostsFile, $Port, $KeyFile, $KnownHostsFile)
$marks = [System.Collections.Generic.List[object]]::new()
$clock = [Diagnostics.Stopwatch]::StartNew()
$mark = { $marks.Add(@([System.Runtime.JitInfo]::GetCompiledMethodCount($false), [System.Runtime.JitInfo]::GetCompilationTime($false).TotalMilliseconds, $clock.Elapsed.TotalMilliseconds)) }
$target = @{ ComputerName = [IO.File]::ReadAllLines($HostsFile); Port = $Port; KeyFile = $KeyFile; KnownHostsFile = $KnownHostsFile; HostKeyPolicy = 'Strict' }
& $mark
Import-Module $ModulePath
& $mark
$first = @(Invoke-SentinelCommand 'echo ok' @target -ErrorAction SilentlyContinue)
& $mark
$warm = @(Invoke-SentinelCommand 'echo ok' @target -ErrorAction SilentlyContinue)
& $mark
@{ marks = $marks; answered = @($first | Where-Object Succeeded).Count + @($warm | Where-Object Succeeded).Count } | ConvertTo-Json -Compress -Depth 4
'@
$probePath = Join-Path $work 'probe.ps1'
Set-Content -Path $probePath -Value $probe

function Get-JitOwner {
    param([string]$Method)
    $type = ($Method -split ':')[0]
    switch -Regex ($type) {
        '^Sentinel\.Ssh' { return 'Sentinel.Ssh (ReadyToRun)' }
        '^Sentinel\.' { return 'Sentinel.dll (IL)' }
        '^Renci\.' { return 'SSH.NET (ReadyToRun)' }
        '^Org\.BouncyCastle' { return 'BouncyCastle (ReadyToRun)' }
        '^(System\.Management\.Automation|Microsoft\.PowerShell)' { return 'PowerShell' }
        '^\(dynamicClass\)' { return 'dynamic methods (binders, reflection stubs)' }
        'Sentinel\.' { return 'base library generics over Sentinel types' }
        'Renci\.' { return 'base library generics over SSH.NET types' }
        default { return 'base library (other)' }
    }
}

$lab = Start-SentinelLabFleet -Count $Hosts
try {
    $knownHosts = Join-Path $work 'known_hosts'
    $scan = @(& ssh-keyscan -T 10 -t ed25519 -p $lab.Port @($lab.Addresses) 2>$null)
    if ($scan.Count -ne $Hosts) { throw "ssh-keyscan found $($scan.Count) host keys, expected $Hosts." }
    Set-Content -Path $knownHosts -Value $scan
    $hostsFile = Join-Path $work 'hosts'
    Set-Content -Path $hostsFile -Value $lab.Addresses
    $key = $lab.Labs[0].KeyPath
    $phases = 'Import-Module', 'first call', 'second call (warm)'
    $rows = for ($run = 1; $run -le $Repeat; $run++) {
        $list = Join-Path $work "jit-$run.txt"
        Remove-Item $list -ErrorAction SilentlyContinue
        $env:DOTNET_JitStdOutFile = $list; $env:DOTNET_JitDisasmSummary = '1'
        try {
            $json = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $probePath $ModulePath $hostsFile $lab.Port $key $knownHosts
        } finally {
            Remove-Item Env:DOTNET_JitStdOutFile, Env:DOTNET_JitDisasmSummary
        }
        $result = $json | ConvertFrom-Json
        if ($result.answered -ne 2 * $Hosts) { Write-Warning "run ${run}: $($result.answered) of $(2 * $Hosts) host results succeeded" }
        # "   12: JIT compiled Type:Method(...) [Tier0, IL size=...]": the number is the compile's order.
        $compiled = foreach ($line in [IO.File]::ReadLines($list)) {
            if ($line -match '^\s*(\d+): JIT compiled (.+) \[') { [pscustomobject]@{ Order = [int]$Matches[1]; Owner = Get-JitOwner $Matches[2] } }
        }
        for ($p = 0; $p -lt 3; $p++) {
            $from = $result.marks[$p]; $to = $result.marks[$p + 1]
            $inPhase = @($compiled | Where-Object { $_.Order -gt $from[0] -and $_.Order -le $to[0] })
            [pscustomobject]@{ Run = $run; Phase = $phases[$p]; Ms = [math]::Round($to[2] - $from[2], 1); JitMethods = $to[0] - $from[0]; JitMs = [math]::Round($to[1] - $from[1], 1); Owners = $inPhase | Group-Object Owner | Sort-Object Count -Descending | ForEach-Object { "$($_.Name) $($_.Count)" } }
        }
    }
    $rows | Format-Table Run, Phase, Ms, JitMethods, JitMs, @{ n = 'Methods compiled, by owner'; e = { $_.Owners -join '; ' } } -Wrap | Out-String -Width 250 | Write-Output
    $median = { param($values) $s = @($values | Sort-Object); if ($s.Count % 2) { $s[[int][math]::Floor($s.Count / 2)] } else { ($s[$s.Count / 2 - 1] + $s[$s.Count / 2]) / 2 } }
    foreach ($phase in $phases) {
        $r = @($rows | Where-Object Phase -EQ $phase)
        '{0,-20} median {1,7:N1} ms wall, {2,5} methods compiled, {3,6:N1} ms in the JIT' -f $phase, (& $median $r.Ms), (& $median $r.JitMethods), (& $median $r.JitMs)
    }
} finally {
    Stop-SentinelLabFleet -Fleet $lab
    if (-not $OutputDirectory) { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
}
