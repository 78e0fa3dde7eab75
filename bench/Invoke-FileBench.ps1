#!/usr/bin/env pwsh
<#
.SYNOPSIS
Copy-SentinelItem's rows of the benchmark: 1 x 256 MiB and 1,000 x 4 KiB, up and down, against OpenSSH
scp and `sftp -b` and AsyncSSH's SFTP client; one 64 KiB file pushed to 50 hosts against parallel-scp
and Fabric's put. Writes out/bench/files.json and its section of docs/benchmarks.md (between the
files-bench markers).

.DESCRIPTION
Runs apart from Invoke-SentinelBench.ps1 so these rows can be measured alone. Every transfer is timed
whole, connection included: Sentinel with -ComputerName (a connection for the copy) in this pwsh with
Stopwatch, the peers by bench/peers/file_bench.py with time.perf_counter around the tool. Every tool gets
the lab key, one known_hosts file from ssh-keyscan, strict host-key checking, and the first -Cipher
(Fabric's Paramiko has no GCM and negotiates its default). Each further -Cipher repeats the 256 MiB rows
with Sentinel, scp and `sftp -b` (AsyncSSH's SFTP takes 3-5 times as long and is left to the first).
Tools alternate within each repetition.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [switch]$Quick,
    # Strings, split at commas, so that `pwsh -File ... -Cipher a,b` works too.
    [string[]]$Cipher = @('aes128-gcm@openssh.com'),
    [ValidateRange(0, 20)][int]$Repeat = 0,
    [string]$JsonPath = (Join-Path $PSScriptRoot '../out/bench/files.json'),
    [string]$OutputDirectory = (Join-Path $PSScriptRoot '../docs')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$Python = '/usr/bin/python3'
$env:PYTHONDONTWRITEBYTECODE = '1'
$env:PYTHONWARNINGS = 'ignore'
$Reps = if ($Repeat) { $Repeat } elseif ($Quick) { 1 } else { 3 }
[string[]]$Ciphers = @($Cipher -split ',' | ForEach-Object { $_.Trim() })
$Cipher = $Ciphers[0]
$Results = [System.Collections.Generic.List[object]]::new()

foreach ($package in 'openssh-client', 'python3-asyncssh', 'python3-fabric', 'pssh') {
    & dpkg -s $package *> $null
    if ($LASTEXITCODE -ne 0) { & apt-get install -y -q $package | Out-Null }
}

function Invoke-FilePeer {
    param([string[]]$Arguments)
    $line = & $Python (Join-Path $PSScriptRoot 'peers/file_bench.py') @Arguments 2>$null | Select-Object -Last 1
    if ($LASTEXITCODE -ne 0 -or -not $line) { throw "file_bench.py $($Arguments -join ' ') failed" }
    $line | ConvertFrom-Json
}

function Add-Row {
    param([string]$Row, [string]$Tool, [double]$Seconds, [int]$Failures = 0, [string]$Note = '')
    $Results.Add([pscustomobject]@{ Row = $Row; Tool = $Tool; Seconds = $Seconds; Failures = $Failures; Note = $Note })
    Write-Host ("  {0,-28} {1,-26} {2,8:N3} s{3}" -f $Row, $Tool, $Seconds, $(if ($Failures) { " ($Failures failed)" }))
}

Import-Module (Join-Path $RepoRoot 'tests/lab/SentinelLab.psm1') -Force
Import-Module (Resolve-Path $ModulePath).Path
$work = Join-Path ([IO.Path]::GetTempPath()) "sentinel-filebench-$PID"
New-Item -ItemType Directory $work | Out-Null
& chmod 755 $work
$lab = $null; $fleet = $null
$remoteRoot = "/home/sentinel/filebench-$PID"
$load = @((Get-Content /proc/loadavg -Raw).Split(' ')[0])
$started = Get-Date
try {
    $lab = Start-SentinelLab -NoNginx
    $fleet = Start-SentinelLabFleet -Count 50
    $knownHosts = Join-Path $work 'known_hosts'
    Set-Content $knownHosts (@(& ssh-keyscan -T 10 -t ed25519 -p $lab.Port 127.0.0.1 2>$null) + @(& ssh-keyscan -T 10 -t ed25519 -p $fleet.Port @($fleet.Addresses) 2>$null))
    $hostsFile = Join-Path $work 'hosts'
    Set-Content $hostsFile $fleet.Addresses
    $peer = @('--port', "$($lab.Port)", '--key', $lab.KeyPath, '--known-hosts', $knownHosts, '--cipher', $Cipher)
    $sentinel = @{ ComputerName = '127.0.0.1'; Port = $lab.Port; KeyFile = $lab.KeyPath; KnownHostsFile = $knownHosts; HostKeyPolicy = 'Strict'; Cipher = $Cipher }

    # Data: one 256 MiB file of random bytes, 1,000 files of 4 KiB, one of 64 KiB.
    $big = Join-Path $work 'big.bin'
    & head -c 256M /dev/urandom > $big
    $small = New-Item -ItemType Directory (Join-Path $work 'small')
    $buffer = [byte[]]::new(4KB)
    $random = [Random]::new(14)
    for ($i = 0; $i -lt 1000; $i++) { $random.NextBytes($buffer); [IO.File]::WriteAllBytes((Join-Path $small "f$i.bin"), $buffer) }
    $push = Join-Path $work 'push.bin'
    & head -c 64K /dev/urandom > $push
    New-Item -ItemType Directory $remoteRoot | Out-Null
    & chown sentinel: $remoteRoot
    $down = Join-Path $work 'down'

    function Reset-Destination {
        Get-ChildItem $remoteRoot -Force | Remove-Item -Recurse -Force
        if (Test-Path $down) { Remove-Item $down -Recurse -Force }
    }

    $allTools = 'Sentinel', 'scp', 'sftp', 'asyncssh'
    $rows = [ordered]@{
        'upload 1 x 256 MiB'       = @{ Up = $true; Src = $big; Dest = "$remoteRoot/big.bin"; Recurse = $false; Cipher = $Cipher; Tools = $allTools }
        'download 1 x 256 MiB'     = @{ Up = $false; Src = "$remoteRoot/big.bin"; Dest = $down; Recurse = $false; Cipher = $Cipher; Tools = $allTools }
        'upload 1,000 x 4 KiB'     = @{ Up = $true; Src = "$small"; Dest = "$remoteRoot/small"; Recurse = $true; Cipher = $Cipher; Tools = $allTools }
        'download 1,000 x 4 KiB'   = @{ Up = $false; Src = "$remoteRoot/small"; Dest = $down; Recurse = $true; Cipher = $Cipher; Tools = $allTools }
    }
    foreach ($other in @($Ciphers | Select-Object -Skip 1)) {
        $rows["upload 1 x 256 MiB, $other"] = @{ Up = $true; Src = $big; Dest = "$remoteRoot/big.bin"; Recurse = $false; Cipher = $other; Tools = @('Sentinel', 'scp', 'sftp') }
        $rows["download 1 x 256 MiB, $other"] = @{ Up = $false; Src = "$remoteRoot/big.bin"; Dest = $down; Recurse = $false; Cipher = $other; Tools = @('Sentinel', 'scp', 'sftp') }
    }
    foreach ($row in $rows.Keys) {
        $r = $rows[$row]
        Write-Host $row
        $tools = $r.Tools
        $peer[-1] = $r.Cipher
        $sentinel.Cipher = $r.Cipher
        for ($rep = 0; $rep -lt $Reps; $rep++) {
            foreach ($tool in ($tools[$rep..($tools.Count - 1)] + $tools[0..($rep - 1)] | Select-Object -First $tools.Count)) {
                Reset-Destination
                if (-not $r.Up) {
                    # The download's source, put in place by the matching upload.
                    if ($r.Recurse) { Copy-Item $small $r.Src -Recurse } else { Copy-Item $big $r.Src }
                    & chown -R sentinel: $remoteRoot
                }
                if ($tool -eq 'Sentinel') {
                    $clock = [Diagnostics.Stopwatch]::StartNew()
                    if ($r.Up) { $out = Copy-SentinelItem -Path $r.Src -Destination $r.Dest -Recurse:$r.Recurse @sentinel }
                    else {
                        $session = Connect-SentinelServer @sentinel
                        $out = Copy-SentinelItem -Path $r.Src -Destination $r.Dest -Recurse:$r.Recurse -FromSession $session
                        Disconnect-SentinelServer -Session $session
                    }
                    $clock.Stop()
                    Add-Row $row 'Sentinel' $clock.Elapsed.TotalSeconds (@($out | Where-Object Action -NE 'Copied').Count)
                }
                else {
                    $result = Invoke-FilePeer (@($(if ($r.Up) { 'upload' } else { 'download' }), '--tool', $tool, '--src', $r.Src, '--dest', $r.Dest) + $peer + $(if ($r.Recurse) { '--recurse' }))
                    Add-Row $row @{ scp = 'OpenSSH scp'; sftp = 'OpenSSH sftp -b'; asyncssh = 'AsyncSSH SFTP' }[$tool] $result.seconds $result.failures
                }
            }
        }
    }
    $peer[-1] = $Cipher
    $sentinel.Cipher = $Cipher

    Write-Host 'push 64 KiB to 50 hosts'
    $fleetSentinel = @{ ComputerName = $fleet.Addresses; Port = $fleet.Port; KeyFile = $lab.KeyPath; KnownHostsFile = $knownHosts; HostKeyPolicy = 'Strict' }
    $fleetPeer = @('--port', "$($fleet.Port)", '--key', $lab.KeyPath, '--known-hosts', $knownHosts, '--cipher', $Cipher, '--hosts-file', $hostsFile, '--parallel', '32')
    $tools = 'Sentinel', 'pscp', 'fabric'
    for ($rep = 0; $rep -lt $Reps; $rep++) {
        foreach ($tool in $tools) {
            Reset-Destination
            if ($tool -eq 'Sentinel') {
                $clock = [Diagnostics.Stopwatch]::StartNew()
                $out = Copy-SentinelItem -Path $push -Destination "$remoteRoot/push.bin" @fleetSentinel -ErrorAction SilentlyContinue -ErrorVariable failures
                $clock.Stop()
                # Every fleet host is this machine: hosts that finish after the first see the same bytes (Unchanged).
                $unchanged = @($out | Where-Object Action -EQ 'Unchanged').Count
                Add-Row 'push 64 KiB to 50 hosts' 'Sentinel' $clock.Elapsed.TotalSeconds (50 - @($out).Count) "$unchanged of 50 Unchanged"
            }
            else {
                $result = Invoke-FilePeer (@('push', '--tool', $tool, '--src', $push, '--dest', "$remoteRoot/push.bin") + $fleetPeer)
                Add-Row 'push 64 KiB to 50 hosts' @{ pscp = 'parallel-scp -p 32'; fabric = 'Fabric put (32 threads)' }[$tool] $result.seconds $result.failures
            }
        }
    }
}
finally {
    Get-SentinelSession | Disconnect-SentinelServer
    if ($fleet) { Stop-SentinelLabFleet -Fleet $fleet }
    if ($lab) { Stop-SentinelLab -Lab $lab }
    Remove-Item $remoteRoot, $work -Recurse -Force -ErrorAction SilentlyContinue
}
$load += (Get-Content /proc/loadavg -Raw).Split(' ')[0]
New-Item -ItemType Directory -Path (Split-Path $JsonPath) -Force | Out-Null
[ordered]@{ date = $started.ToUniversalTime().ToString('yyyy-MM-dd HH:mm') + ' UTC'; repetitions = $Reps; ciphers = $Ciphers; load = $load; results = $Results } |
    ConvertTo-Json -Depth 4 | Set-Content $JsonPath
Write-Host "Wrote $JsonPath"

# --- report ------------------------------------------------------------------------------------------
. (Join-Path $PSScriptRoot 'Write-BenchReport.ps1')   # Get-Median

$lines = [System.Collections.Generic.List[string]]::new()
$lines.Add('<!-- files-bench:start -->')
$lines.Add('## Files: Copy-SentinelItem')
$lines.Add('')
$runLine = 'bench/Invoke-FileBench.ps1' + $(if ($Quick) { ' -Quick' }) + $(if ($Ciphers.Count -gt 1) { " -Cipher $($Ciphers -join ',')" }) + $(if ($Repeat) { " -Repeat $Repeat" })
$lines.Add("Run: ``$runLine`` on $($started.ToString('yyyy-MM-dd HH:mm')) UTC$(if ($Reps -eq 1) { ', one repetition per tool' } else { ", $Reps repetitions, median" }), " +
    "$([Environment]::ProcessorCount) cores (load average $($load[0]) at the start, $($load[1]) at the end; the lab's sshd shares them). " +
    "Each transfer is timed whole, connection included; cipher $Cipher for all but Fabric (Paramiko's default), and the cipher the row names for the rest. Sentinel offers its default key exchange (post-quantum sntrup761x25519).")
$lines.Add('')
$lines.Add('| Row | Tool | Seconds | MiB/s | Sentinel''s time / tool''s | Note |')
$lines.Add('|---|---|---:|---:|---:|---|')
foreach ($group in $Results | Group-Object Row) {
    $bytes = switch -Wildcard ($group.Name) { '*256 MiB*' { 256MB } '*4 KiB' { 1000 * 4KB } default { 50 * 64KB } }
    $median = @{}
    foreach ($tool in $group.Group | Group-Object Tool) {
        $median[$tool.Name] = Get-Median $tool.Group.Seconds
    }
    foreach ($tool in $group.Group | Group-Object Tool) {
        $failed = ($tool.Group | Measure-Object Failures -Sum).Sum
        $note = (@($tool.Group.Note | Where-Object { $_ }) + @($(if ($failed) { "$failed failed" }))) -join '; '
        $lines.Add(('| {0} | {1} | {2:N3} | {3:N1} | {4} | {5} |' -f $group.Name, $tool.Name, $median[$tool.Name], ($bytes / 1MB / $median[$tool.Name]),
                $(if ($tool.Name -eq 'Sentinel') { '' } else { '{0:N2}x' -f ($median['Sentinel'] / $median[$tool.Name]) }), $note))
    }
}
$lines.Add('<!-- files-bench:end -->')
$report = Join-Path $OutputDirectory 'benchmarks.md'
$text = Get-Content $report -Raw
$section = ($lines -join "`n")
$text = if ($text -match '(?s)<!-- files-bench:start -->.*<!-- files-bench:end -->') { $text -replace '(?s)<!-- files-bench:start -->.*<!-- files-bench:end -->', $section.Replace('$', '$$') } else { $text.TrimEnd() + "`n`n" + $section + "`n" }
Set-Content $report $text -NoNewline
Write-Host "Wrote the files section of $report"
