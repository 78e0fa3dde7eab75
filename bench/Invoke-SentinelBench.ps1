#!/usr/bin/env pwsh
<#
.SYNOPSIS
Benchmarks Sentinel side by side with Fabric, AsyncSSH, Paramiko, OpenSSH, parallel-ssh and Ansible
against the same lab sshd (and OpenSSH 10 for the key-exchange costs), and writes docs/benchmarks.md
and docs/benchmarks.png.

.DESCRIPTION
Run by `build.ps1 -Task Bench [-Quick]` in a child pwsh. The runbook case, start-up and memory run
each tool in a fresh process per repetition (timed inside the process and, by this script, as a whole
process); the other scenarios measure Sentinel in this process (one long-lived pwsh, the built module
imported once) and the peers with the scripts in bench/peers, which time their inner loop and print
one JSON line. Tools alternate within each repetition (the starting tool rotates); medians, minima and
maxima are over repetitions. Every tool uses the lab key, one known_hosts file made with ssh-keyscan,
and strict host-key checking. All traffic goes to 127.0.0.x. Every process started here is stopped by PID.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModulePath,
    [switch]$Quick,
    [string]$OutputDirectory = (Join-Path $PSScriptRoot '../docs'),
    # Re-write the report from a previous run's measurements (out/bench/results.json) without measuring.
    [string]$FromResults
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
$PeerRoot = Join-Path $PSScriptRoot 'peers'
$Python = '/usr/bin/python3'   # Debian's, where python3-paramiko, python3-fabric and python3-asyncssh install
$env:PYTHONDONTWRITEBYTECODE = '1'
$ModulePath = (Resolve-Path $ModulePath).Path
$OutputDirectory = [IO.Path]::GetFullPath($OutputDirectory)

# RunbookReps goes with RunbookHosts; Ansible runs at the smallest host count only (its fan-out takes
# tens of seconds). Kex: KexCount connections per repetition and algorithm.
$Settings = if ($Quick) {
    @{ Reps = 2; SeqCount = 50; RunbookHosts = @(15, 50); RunbookReps = @(2, 2); AnsibleReps = 1; KexCount = 5; KexWarmUp = 2; KexReps = 2
        StartupReps = 2; WarmConnections = 10; ImportReps = 2; MemoryReps = 2; Sessions = 100; ThroughputReps = 2; Bytes = 300MB; Concurrent = 100
        Runbook10Reps = 2; FanOutHosts = @(15, 100, 1000); FanOutReps = 1 }
}
else {
    @{ Reps = 5; SeqCount = 200; RunbookHosts = @(15, 50, 100); RunbookReps = @(5, 3, 3); AnsibleReps = 3; KexCount = 20; KexWarmUp = 5; KexReps = 3
        StartupReps = 5; WarmConnections = 10; ImportReps = 5; MemoryReps = 3; Sessions = 100; ThroughputReps = 3; Bytes = 300MB; Concurrent = 100
        Runbook10Reps = 5; FanOutHosts = @(15, 100, 1000); FanOutReps = 3 }
}
$Settings.FleetSize = ($Settings.RunbookHosts | Measure-Object -Maximum).Maximum
$WarmUpCommands = 50
# Every cipher OpenSSH 9.2 and 10 offer by default, each of which Sentinel offers too: the throughput
# rows (stdout here, files in Invoke-FileBench.ps1) run once per cipher.
$BothCiphers = @('aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'aes256-gcm@openssh.com')
# Key exchanges measured one by one (-KeyExchange); sntrup761 under both its names, as servers before
# OpenSSH 9.9 know only the @openssh.com one.
$KexChoices = [ordered]@{
    'mlkem768x25519-sha256'  = @('mlkem768x25519-sha256')
    'sntrup761x25519-sha512' = @('sntrup761x25519-sha512', 'sntrup761x25519-sha512@openssh.com')
    'curve25519-sha256'      = @('curve25519-sha256')
}

# --- prerequisites ---------------------------------------------------------------------------------
function Install-BenchPrerequisites {
    $packages = 'openssh-client', 'python3-paramiko', 'python3-fabric', 'python3-asyncssh', 'pssh', 'ansible-core', 'gnuplot-nox'
    $missing = @($packages | Where-Object { (& dpkg-query -W -f='${Status}' $_ 2>$null) -ne 'install ok installed' })
    if ($missing.Count -eq 0) { return }
    Write-Host "Installing benchmark peers: $($missing -join ', ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -qq | Out-Null
    if ($LASTEXITCODE -ne 0) { throw 'apt-get update failed.' }
    & apt-get install -y -qq --no-install-recommends @missing | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get install $($missing -join ' ') failed." }
}

# --- measurement plumbing --------------------------------------------------------------------------
$Results = [System.Collections.Generic.List[object]]::new()
# What the report needs besides the measurements: notes, negotiated algorithms per server, the
# key-exchange breakdown.
$Extra = @{ KexNegotiated = @{}; KexServers = @(); KexServerVersions = @{}; KexNotes = @(); Primitives = @(); PrimitivesNote = $null; RunbookKex = @{}; Runbook10Kex = $null }

function Add-Result {
    param([string]$Scenario, [string]$Variant, [string]$Tool, [int]$Rep, [double]$Value, [int]$Failures = 0, [string]$Note)
    $Results.Add([pscustomobject]@{ Scenario = $Scenario; Variant = $Variant; Tool = $Tool; Rep = $Rep; Value = $Value; Failures = $Failures; Note = $Note })
    $fail = if ($Failures) { " ($Failures failed)" } else { '' }
    Write-Host ("  {0,-16} {1,-26} {2,-40} rep {3}: {4:N3}{5}" -f $Scenario, $Variant, $Tool, $Rep, $Value, $fail)
}

function Get-UnixSeconds { ([DateTime]::UtcNow - [DateTime]::UnixEpoch).TotalSeconds }

function Invoke-TimedProcess {
    # Starts one process, waits for it, and returns its last JSON line as an object with the wall time
    # from start to exit (measured here) added as whole_seconds, and the clock times of both as
    # spawned_at and exited_at (Unix seconds). Killed by its PID after the timeout.
    # -NoJson: the process prints nothing to read (a bare interpreter's start); only the times are returned.
    param([Parameter(Mandatory)][string]$FileName, [string[]]$Arguments = @(), [int]$TimeoutSeconds = 900, [switch]$NoJson)
    $start = [Diagnostics.ProcessStartInfo]::new($FileName)
    foreach ($argument in $Arguments) { $start.ArgumentList.Add($argument) }
    $start.UseShellExecute = $false
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $spawnedAt = Get-UnixSeconds
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $process = [Diagnostics.Process]::Start($start)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "$FileName $($Arguments -join ' ') did not finish within $TimeoutSeconds s."
        }
        $process.WaitForExit()
        $seconds = $clock.Elapsed.TotalSeconds
        $exitedAt = Get-UnixSeconds
        $json = if ($NoJson) { '{}' } else { @($stdout.Result -split "`n" | Where-Object { $_.StartsWith('{') }) | Select-Object -Last 1 }
        if ($process.ExitCode -ne 0 -or -not $json) {
            throw "$FileName $($Arguments -join ' ') failed (exit code $($process.ExitCode)): $($stdout.Result) $($stderr.Result)"
        }
        $result = $json | ConvertFrom-Json
        $result | Add-Member -NotePropertyName whole_seconds -NotePropertyValue $seconds
        $result | Add-Member -NotePropertyName spawned_at -NotePropertyValue $spawnedAt
        $result | Add-Member -NotePropertyName exited_at -NotePropertyValue $exitedAt
        $result
    }
    finally { $process.Dispose() }
}

function Invoke-Peer {
    # Runs one Python peer script and returns its JSON line as an object.
    param([Parameter(Mandatory)][string]$Script, [string[]]$Arguments = @())
    Invoke-TimedProcess $Python (@(Join-Path $PeerRoot $Script) + $Arguments)
}

function Invoke-FreshPwsh {
    # Runs one pwsh peer script in a fresh pwsh (dotnet pwsh.dll when run as a dotnet tool).
    param([Parameter(Mandatory)][string]$Script, [string[]]$Arguments = @(), [int]$TimeoutSeconds = 900)
    Invoke-TimedProcess $pwsh[0] (@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PeerRoot $Script)) + $Arguments) -TimeoutSeconds $TimeoutSeconds
}

function Invoke-Alternating {
    # Runs each tool's block once per repetition, rotating which tool goes first.
    param([int]$Reps, [System.Collections.Specialized.OrderedDictionary]$Tools)
    $names = @($Tools.Keys)
    for ($rep = 1; $rep -le $Reps; $rep++) {
        for ($i = 0; $i -lt $names.Count; $i++) {
            $name = $names[($i + $rep - 1) % $names.Count]
            & $Tools[$name] $rep
        }
    }
}

function Measure-Sentinel {
    param([scriptblock]$Block)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    & $Block
    $clock.Elapsed.TotalSeconds
}

function Measure-SentinelThroughput {
    # One command's whole stdout into a result on the session opened with this cipher; the checksum is
    # taken after the clock stops, and the result is collected before the next tool runs.
    param([string]$Cipher, [int]$Rep)
    $s = Measure-Sentinel { $script:tpResult = Invoke-SentinelCommand $command -Session $cipherSessions[$Cipher] -MaxOutputBytes $bytes }
    $got = [Text.Encoding]::UTF8.GetBytes($script:tpResult.Output)
    $ok = $got.Length -eq $bytes -and [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($got)).ToLowerInvariant() -eq $sha
    $script:tpResult = $null; $got = $null
    [GC]::Collect()
    Add-Result 'throughput' $Cipher 'Sentinel' $Rep ($mib / $s) ([int](-not $ok))
}

function Measure-SentinelConnections {
    # Connect, `true`, disconnect, $Count times in this (warm) pwsh: wall time and this process's CPU
    # (all threads: SSH.NET's receive loop does the key exchange) per connection.
    param([hashtable]$Target, [int]$Count)
    [GC]::Collect()
    $me = [Diagnostics.Process]::GetCurrentProcess()
    $me.Refresh()
    $cpu = $me.TotalProcessorTime
    $failures = 0
    $clock = [Diagnostics.Stopwatch]::StartNew()
    for ($i = 0; $i -lt $Count; $i++) {
        $c = Connect-SentinelServer @Target
        if (-not (Invoke-SentinelCommand 'true' -Session $c).Succeeded) { $failures++ }
        Disconnect-SentinelServer -Session $c
    }
    $wall = $clock.Elapsed.TotalSeconds
    $me.Refresh()
    [pscustomobject]@{ WallMs = $wall / $Count * 1000; CpuMs = ($me.TotalProcessorTime - $cpu).TotalMilliseconds / $Count; Failures = $failures }
}

function Get-SentinelAlgorithms {
    # What one connection negotiates, from Connect-SentinelServer -Verbose; throws when it cannot connect.
    param([hashtable]$Target)
    $verbose = Connect-SentinelServer @Target -Verbose 4>&1
    $session = $verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | Select-Object -First 1
    $line = $verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message | Select-String 'key exchange (\S+), host key (\S+), cipher (\S+), MAC ([^.]+)' | Select-Object -First 1
    $server = $session.ServerVersion
    Disconnect-SentinelServer -Session $session
    $groups = $line.Matches[0].Groups
    @{ Kex = $groups[1].Value; Cipher = $groups[3].Value; Mac = $groups[4].Value.Trim(); Server = $server }
}

if ($FromResults) {
    $saved = Get-Content $FromResults -Raw | ConvertFrom-Json -AsHashtable
    . (Join-Path $PSScriptRoot 'Write-BenchReport.ps1')
    $negotiated = [ordered]@{}; foreach ($k in $saved.NegotiatedOrder) { $negotiated[$k] = $saved.Negotiated[$k] }
    $versions = [ordered]@{}; foreach ($k in $saved.VersionsOrder) { $versions[$k] = $saved.Versions[$k] }
    $rows = @($saved.Results | ForEach-Object { [pscustomobject]$_ })
    Write-BenchReport -Results $rows -Negotiated $negotiated -Versions $versions -Settings $saved.Settings -Quick:$saved.Quick `
        -Elapsed ([TimeSpan]::FromSeconds($saved.ElapsedSeconds)) -OutputDirectory $OutputDirectory -Ciphers $saved.Ciphers -Extra $saved.Extra
    return
}

# --- lab ------------------------------------------------------------------------------------------
Install-BenchPrerequisites
Import-Module (Join-Path $RepoRoot 'tests/lab/SentinelLab.psm1') -Force
Import-Module $ModulePath

$work = Join-Path ([IO.Path]::GetTempPath()) "sentinel-bench-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
& chmod 755 $work
$lab = $null; $fleet = $null; $openSsh10 = $null; $session = $null; $pool = $null
$started = Get-Date
try {
    Write-Host "Starting the lab (one sshd on 127.0.0.1, a fleet of $($Settings.FleetSize) loopback hosts)"
    $lab = Start-SentinelLab -NoNginx
    $fleet = Start-SentinelLabFleet -Count $Settings.FleetSize
    $key = $lab.KeyPath
    $knownHosts = Join-Path $work 'known_hosts'
    $scan = @(& ssh-keyscan -T 10 -t ed25519 -p $lab.Port 127.0.0.1 2>$null) + @(& ssh-keyscan -T 10 -t ed25519 -p $fleet.Port @($fleet.Addresses) 2>$null)
    Set-Content -Path $knownHosts -Value $scan
    if ($scan.Count -ne 1 + $fleet.Addresses.Count) { throw "ssh-keyscan found $($scan.Count) host keys, expected $(1 + $fleet.Addresses.Count)." }

    $pwsh = @([Environment]::ProcessPath)   # a fresh pwsh: dotnet pwsh.dll when run as a dotnet tool
    if ((Split-Path -Leaf $pwsh[0]) -like 'dotnet*') { $pwsh += (Join-Path $PSHOME 'pwsh.dll') }
    $peerCommon = @('--port', "$($lab.Port)", '--key', $key, '--known-hosts', $knownHosts)
    $fleetCommon = @('--port', "$($fleet.Port)", '--key', $key, '--known-hosts', $knownHosts)
    $sentinelCommon = @{ ComputerName = '127.0.0.1'; Port = $lab.Port; KeyFile = $key; KnownHostsFile = $knownHosts; HostKeyPolicy = 'Strict' }
    $depPath = Join-Path (Split-Path $ModulePath) 'dependencies/Core'

    # --- negotiated algorithms and versions ----------------------------------------------------
    $sentinelInfo = Get-SentinelAlgorithms $sentinelCommon
    $sshnet = (Get-Item (Join-Path $depPath 'Renci.SshNet.dll')).VersionInfo.ProductVersion
    $openSshInfo = Invoke-Peer openssh_bench.py (@('info') + $peerCommon)
    $paramikoInfo = Invoke-Peer paramiko_seq.py (@('info') + $peerCommon)
    $asyncSshInfo = Invoke-Peer asyncssh_bench.py (@('info') + $peerCommon)
    $cliVersions = Invoke-Peer cli_fanout.py (@('version') + $fleetCommon + @('--hosts-file', '/dev/null'))
    $fabricVersion = (& $Python -c 'import fabric; print(fabric.__version__)').Trim()
    $negotiated = [ordered]@{
        'Sentinel' = @{ Kex = $sentinelInfo.Kex; Cipher = $sentinelInfo.Cipher; Mac = $sentinelInfo.Mac }
        'OpenSSH'  = @{ Kex = $openSshInfo.kex; Cipher = $openSshInfo.cipher; Mac = $openSshInfo.mac }
        'Paramiko' = @{ Kex = $paramikoInfo.kex; Cipher = $paramikoInfo.cipher; Mac = $paramikoInfo.mac }
        'AsyncSSH' = @{ Kex = $asyncSshInfo.kex; Cipher = $asyncSshInfo.cipher; Mac = $asyncSshInfo.mac }
    }
    $versions = [ordered]@{
        'Sentinel'     = "$((Import-PowerShellDataFile $ModulePath).ModuleVersion) (SSH.NET $sshnet, PowerShell $($PSVersionTable.PSVersion))"
        'OpenSSH'      = $openSshInfo.version
        'Paramiko'     = $paramikoInfo.version
        'Fabric'       = $fabricVersion
        'AsyncSSH'     = $asyncSshInfo.version
        'parallel-ssh' = $cliVersions.pssh
        'Ansible'      = $cliVersions.ansible
        'Python'       = (& $Python -c 'import sys; print(sys.version.split()[0])').Trim()
        'sshd (lab)'   = "$($sentinelInfo.Server) ($(& sshd -V 2>&1 | Select-Object -First 1))"
    }
    # The key exchange each runbook tool negotiates with the fleet's sshd (the lab's OpenSSH 9.2).
    $Extra.RunbookKex = @{
        'Sentinel'                                = $sentinelInfo.Kex
        'Sentinel -KeyExchange curve25519-sha256' = 'curve25519-sha256'
        'Fabric ThreadingGroup'                   = $paramikoInfo.kex
        'AsyncSSH gather'                         = $asyncSshInfo.kex
        'parallel-ssh -p 32'                      = $openSshInfo.kex
        'ansible -f 32'                           = $openSshInfo.kex
    }
    Write-Host "Negotiated key exchange: Sentinel $($sentinelInfo.Kex); OpenSSH $($openSshInfo.kex); Paramiko $($paramikoInfo.kex); AsyncSSH $($asyncSshInfo.kex)"

    # --- 1. the runbook case: a fresh process runs one command on N hosts ------------------------
    # Besides the tools, each repetition starts the bare interpreters (`pwsh -NoProfile -c 1`,
    # `python3 -c pass`): a whole process minus its bare interpreter is what the library adds.
    function Invoke-RunbookCase {
        param([string]$Variant, [string[]]$Addresses, [int]$Port, [int]$Reps, [switch]$WithAnsible)
        $hostsFile = Join-Path $work "hosts-$($Variant -replace '\W', '-')"
        Set-Content -Path $hostsFile -Value $Addresses
        $sentinelArgs = @('-ModulePath', $ModulePath, '-HostsFile', $hostsFile, '-Port', "$Port", '-KeyFile', $key, '-KnownHostsFile', $knownHosts, '-Again')
        $pythonArgs = @('--hosts-file', $hostsFile, '--command', 'echo ok', '--port', "$Port", '--key', $key, '--known-hosts', $knownHosts)
        $addRunbook = {
            # Sentinel's process also makes a second, warm call after the timed one: its time, taken
            # inside, is not part of the whole process's.
            param([string]$Tool, [int]$Rep, $R)
            $warm = if ($R.PSObject.Properties['warm_seconds'] -and $R.warm_seconds) { $R.warm_seconds } else { 0 }
            Add-Result 'runbook-inside' $Variant $Tool $Rep $R.seconds $R.failures $R.first_error
            Add-Result 'runbook-whole' $Variant $Tool $Rep ($R.whole_seconds - $warm) $R.failures
            Add-Result 'runbook-startup' $Variant $Tool $Rep ($R.started_at - $R.spawned_at)
            Add-Result 'runbook-import' $Variant $Tool $Rep $R.import_seconds
            Add-Result 'runbook-work' $Variant $Tool $Rep $R.work_seconds $R.failures
            Add-Result 'runbook-exit' $Variant $Tool $Rep ($R.exited_at - $R.ended_at)
            if ($warm) { Add-Result 'runbook-warm' $Variant $Tool $Rep $warm $R.warm_failures }
        }
        $runbook = [ordered]@{
            'Sentinel' = { param($rep) & $addRunbook 'Sentinel' $rep (Invoke-FreshPwsh sentinel_runbook.ps1 $sentinelArgs) }
            'Sentinel -KeyExchange curve25519-sha256' = { param($rep)
                & $addRunbook 'Sentinel -KeyExchange curve25519-sha256' $rep (Invoke-FreshPwsh sentinel_runbook.ps1 ($sentinelArgs + @('-KeyExchange', 'curve25519-sha256'))) }
            'Fabric ThreadingGroup' = { param($rep) & $addRunbook 'Fabric ThreadingGroup' $rep (Invoke-Peer runbook.py (@('fabric') + $pythonArgs)) }
            'AsyncSSH gather' = { param($rep) & $addRunbook 'AsyncSSH gather' $rep (Invoke-Peer runbook.py (@('asyncssh') + $pythonArgs)) }
            # The command-line tools, timed around their own process by cli_fanout.py.
            'parallel-ssh -p 32' = { param($rep)
                $r = Invoke-Peer cli_fanout.py (@('pssh', '--expect', 'ok', '--parallel', '32') + $pythonArgs)
                Add-Result 'runbook-whole' $Variant 'parallel-ssh -p 32' $rep $r.seconds $r.failures $r.tail }
            'pwsh -NoProfile -c 1' = { param($rep)
                $r = Invoke-TimedProcess $pwsh[0] (@($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-c', '1')) -NoJson
                Add-Result 'interpreter-start' $Variant 'pwsh -NoProfile -c 1' $rep $r.whole_seconds }
            'python3 -c pass' = { param($rep)
                $r = Invoke-TimedProcess $Python @('-c', 'pass') -NoJson
                Add-Result 'interpreter-start' $Variant 'python3 -c pass' $rep $r.whole_seconds }
        }
        if ($WithAnsible) {
            $runbook['ansible -f 32'] = { param($rep)
                if ($rep -gt $Settings.AnsibleReps) { return }
                $r = Invoke-Peer cli_fanout.py (@('ansible', '--expect', 'ok', '--parallel', '32') + $pythonArgs)
                Add-Result 'runbook-whole' $Variant 'ansible -f 32' $rep $r.seconds $r.failures $r.tail }
        }
        Invoke-Alternating -Reps $Reps -Tools $runbook
    }
    for ($h = 0; $h -lt $Settings.RunbookHosts.Count; $h++) {
        $hostCount = $Settings.RunbookHosts[$h]
        Write-Host "`n== 1. Runbook: a fresh process runs 'echo ok' on $hostCount hosts"
        Invoke-RunbookCase -Variant "$hostCount hosts" -Addresses @($fleet.Addresses[0..($hostCount - 1)]) -Port $fleet.Port -Reps $Settings.RunbookReps[$h] -WithAnsible:($h -eq 0)
    }

    # The same at the smallest host count against OpenSSH 10 (nspawn), listening on the fleet's first
    # addresses and 127.0.0.1 (for section 3); Sentinel's default key exchange there is ML-KEM.
    $servers = [ordered]@{ 'OpenSSH 9.2 (lab sshd)' = @{ Port = $lab.Port } }
    $hostCount = $Settings.RunbookHosts[0]
    try {
        Import-Module (Join-Path $RepoRoot 'tests/lab/SentinelRealLab.psm1')
        $openSsh10 = Start-SentinelOpenSsh10 -ListenAddress (@('127.0.0.1') + @($fleet.Addresses[0..($hostCount - 1)]))
        $scan10 = @(& ssh-keyscan -T 10 -t ed25519 -p $openSsh10.Port 127.0.0.1 @($fleet.Addresses[0..($hostCount - 1)]) 2>$null)
        if ($scan10.Count -ne 1 + $hostCount) { throw "ssh-keyscan found $($scan10.Count) host keys on OpenSSH 10, expected $(1 + $hostCount)." }
        Add-Content -Path $knownHosts -Value $scan10
        $servers['OpenSSH 10 (real lab, nspawn)'] = @{ Port = $openSsh10.Port }
    }
    catch {
        $Extra.KexNotes += "OpenSSH 10 could not be started, so only OpenSSH 9.2 was measured: $_"
        Write-Warning $Extra.KexNotes[-1]
    }
    if ($openSsh10) {
        Write-Host "`n== 1. Runbook: a fresh process runs 'echo ok' on $hostCount hosts of OpenSSH 10"
        try {
            $Extra.Runbook10Kex = (Get-SentinelAlgorithms @{ ComputerName = '127.0.0.1'; Port = $openSsh10.Port; KeyFile = $key; KnownHostsFile = $knownHosts; HostKeyPolicy = 'Strict' }).Kex
            Invoke-RunbookCase -Variant "$hostCount hosts, OpenSSH 10" -Addresses @($fleet.Addresses[0..($hostCount - 1)]) -Port $openSsh10.Port -Reps $Settings.Runbook10Reps
        }
        catch {
            $Extra.KexNotes += "The runbook on OpenSSH 10 failed, so it has no rows: $_"
            Write-Warning $Extra.KexNotes[-1]
        }
    }

    # --- 2. sequential `true` over one connection ---------------------------------------------
    $n = $Settings.SeqCount
    Write-Host "`n== 2. $n sequential 'true' over one connection"
    $session = Connect-SentinelServer @sentinelCommon
    # One-time costs (the runtime compiling Sentinel's code paths on first use) are not per-command cost.
    for ($i = 0; $i -lt $WarmUpCommands; $i++) { $null = Invoke-SentinelCommand 'true' -Session $session }
    $seq = [ordered]@{
        'Sentinel (one session)' = { param($rep) $s = Measure-Sentinel { for ($i = 0; $i -lt $n; $i++) { $null = Invoke-SentinelCommand 'true' -Session $session } }; Add-Result 'seq' "$n commands" 'Sentinel (one session)' $rep ($s / $n * 1000) }
        'AsyncSSH (one connection)' = { param($rep) $r = Invoke-Peer asyncssh_bench.py (@('seq', '--count', "$n", '--warm-up', "$WarmUpCommands") + $peerCommon); Add-Result 'seq' "$n commands" 'AsyncSSH (one connection)' $rep ($r.seconds / $n * 1000) $r.failures }
        'OpenSSH ControlMaster'  = { param($rep) $r = Invoke-Peer openssh_bench.py (@('seq', '--count', "$n") + $peerCommon); Add-Result 'seq' "$n commands" 'OpenSSH ControlMaster' $rep ($r.seconds / $n * 1000) $r.failures }
        'Paramiko (one client)'  = { param($rep) $r = Invoke-Peer paramiko_seq.py (@('seq', '--count', "$n") + $peerCommon); Add-Result 'seq' "$n commands" 'Paramiko (one client)' $rep ($r.seconds / $n * 1000) $r.failures }
        'Fabric (one Connection)' = { param($rep) $r = Invoke-Peer fabric_seq.py (@('seq', '--count', "$n") + $peerCommon); Add-Result 'seq' "$n commands" 'Fabric (one Connection)' $rep ($r.seconds / $n * 1000) $r.failures }
        'SSH.NET direct (no cmdlets)' = { param($rep)
            $r = Invoke-FreshPwsh sshnet_seq.ps1 @('-DependencyPath', $depPath, '-Port', "$($lab.Port)", '-KeyFile', $key, '-KnownHostsFile', $knownHosts, '-Count', "$n", '-WarmUp', "$WarmUpCommands")
            Add-Result 'seq' "$n commands" 'SSH.NET direct (no cmdlets)' $rep ($r.seconds / $n * 1000) $r.failures }
        'local bash -c true (floor)' = { param($rep) $r = Invoke-Peer local_floor.py @('--count', "$n"); Add-Result 'seq' "$n commands" 'local bash -c true (floor)' $rep ($r.seconds / $n * 1000) $r.failures }
    }
    Invoke-Alternating -Reps $Settings.Reps -Tools $seq

    # --- 3. key exchange: a connection's cost by algorithm, OpenSSH 9.2 and 10 ----------------
    $n = $Settings.KexCount
    Write-Host "`n== 3. Key exchange: connect, 'true', disconnect, $n times per algorithm"
    foreach ($server in $servers.Keys) {
        $port = $servers[$server].Port
        $target = @{ ComputerName = '127.0.0.1'; Port = $port; KeyFile = $key; KnownHostsFile = $knownHosts; HostKeyPolicy = 'Strict' }
        $serverPeer = @('--port', "$port", '--key', $key, '--known-hosts', $knownHosts)
        $Extra.KexServers += $server
        $default = Get-SentinelAlgorithms $target
        $null = Measure-SentinelConnections -Target $target -Count $Settings.KexWarmUp
        $Extra.KexServerVersions[$server] = $default.Server
        $Extra.KexNegotiated["$server|Sentinel (default)"] = $default.Kex
        # Each -KeyExchange once, untimed: it tells whether the server has it; then a few untimed
        # connections, so the runtime's compilation of that code path is not in the figures.
        $kexTools = [ordered]@{ 'Sentinel (default)' = $null }
        foreach ($name in $KexChoices.Keys) {
            try {
                $Extra.KexNegotiated["$server|Sentinel -KeyExchange $name"] = (Get-SentinelAlgorithms ($target + @{ KeyExchange = $KexChoices[$name] })).Kex
                $kexTools["Sentinel -KeyExchange $name"] = $KexChoices[$name]
                $null = Measure-SentinelConnections -Target ($target + @{ KeyExchange = $KexChoices[$name] }) -Count $Settings.KexWarmUp
            }
            catch {
                $Extra.KexNegotiated["$server|Sentinel -KeyExchange $name"] = 'not offered'
                $Extra.KexNotes += "$server, Sentinel -KeyExchange $name`: not offered by the server ($($_.Exception.Message))"
            }
        }
        $Extra.KexNegotiated["$server|OpenSSH ssh"] = (Invoke-Peer openssh_bench.py (@('info') + $serverPeer)).kex
        $Extra.KexNegotiated["$server|OpenSSH ssh -o KexAlgorithms=curve25519-sha256"] = (Invoke-Peer openssh_bench.py (@('info', '--kex', 'curve25519-sha256') + $serverPeer)).kex
        $Extra.KexNegotiated["$server|AsyncSSH"] = (Invoke-Peer asyncssh_bench.py (@('info') + $serverPeer)).kex
        $Extra.KexNegotiated["$server|Paramiko"] = (Invoke-Peer paramiko_seq.py (@('info') + $serverPeer)).kex
        $kex = [ordered]@{}
        foreach ($tool in $kexTools.Keys) {
            # Made from text so each block keeps its own tool and algorithms.
            $algorithms = if ($kexTools[$tool]) { "@{ KeyExchange = @('$($kexTools[$tool] -join "', '")') }" } else { '@{}' }
            $kex[$tool] = [scriptblock]::Create("param(`$rep) `$m = Measure-SentinelConnections -Target (`$target + $algorithms) -Count `$n
                Add-Result 'kex-wall' '$server' '$tool' `$rep `$m.WallMs `$m.Failures; Add-Result 'kex-cpu' '$server' '$tool' `$rep `$m.CpuMs `$m.Failures")
        }
        $peers = [ordered]@{
            'OpenSSH ssh'                                  = @('openssh_bench.py', 'cold')
            'OpenSSH ssh -o KexAlgorithms=curve25519-sha256' = @('openssh_bench.py', 'cold', '--kex', 'curve25519-sha256')
            'AsyncSSH'                                     = @('asyncssh_bench.py', 'cold')
            'Paramiko'                                     = @('paramiko_seq.py', 'cold')
        }
        foreach ($tool in $peers.Keys) {
            $kex[$tool] = [scriptblock]::Create("param(`$rep) `$r = Invoke-Peer '$($peers[$tool][0])' (@('$(@($peers[$tool] | Select-Object -Skip 1) -join "', '")', '--count', `"`$n`") + `$serverPeer)
                Add-Result 'kex-wall' '$server' '$tool' `$rep (`$r.seconds / `$n * 1000) `$r.failures; Add-Result 'kex-cpu' '$server' '$tool' `$rep (`$r.cpu_seconds / `$n * 1000) `$r.failures")
        }
        Invoke-Alternating -Reps $Settings.KexReps -Tools $kex
    }
    if ($openSsh10) { Stop-SentinelRealLab -Instance $openSsh10; $openSsh10 = $null }

    # Where a key exchange's CPU goes: the primitives timed alone, in a fresh pwsh, by the script the
    # key-exchange work ships with (when this tree has it).
    $primitives = Join-Path $PeerRoot 'kex_primitives.ps1'
    if (Test-Path $primitives) {
        try {
            $Extra.Primitives = @((Invoke-FreshPwsh kex_primitives.ps1 @('-DependencyPath', $depPath) -TimeoutSeconds 600).rows)
            Write-Host "  kex primitives: $($Extra.Primitives.Count) rows"
        }
        catch {
            $Extra.PrimitivesNote = "bench/peers/kex_primitives.ps1 failed: $_"
            Write-Warning $Extra.PrimitivesNote
        }
    }
    else { $Extra.PrimitivesNote = 'bench/peers/kex_primitives.ps1 is not in this tree, so the breakdown by primitive was not measured.' }

    # --- 4. memory per idle session -------------------------------------------------------------
    $n = $Settings.Sessions
    Write-Host "`n== 4. Memory: $n idle sessions in one fresh process, and the same process without any"
    $fleetHostsFile = Join-Path $work 'hosts-all'
    Set-Content -Path $fleetHostsFile -Value $fleet.Addresses
    $addMemory = {
        param([string]$Tool, [string]$Variant, [int]$Rep, $R)
        $failures = if ($R.PSObject.Properties['failures']) { $R.failures } else { 0 }
        $note = if ($R.PSObject.Properties['first_error']) { $R.first_error } else { $null }
        Add-Result 'memory-peak' $Variant $Tool $Rep $R.peak_mib $failures $note
        Add-Result 'memory-threads' $Variant $Tool $Rep $R.threads $failures
    }
    $sessionsVariant = "$n sessions"
    $baselineVariant = 'no session (baseline)'
    $memoryPeer = @('--count', "$n", '--hosts-file', $fleetHostsFile) + $fleetCommon
    $memory = [ordered]@{
        'Sentinel' = { param($rep) & $addMemory 'Sentinel (pwsh)' $sessionsVariant $rep (Invoke-FreshPwsh sentinel_memory.ps1 @('-ModulePath', $ModulePath, '-HostsFile', $fleetHostsFile, '-Port', "$($fleet.Port)", '-KeyFile', $key, '-KnownHostsFile', $knownHosts, '-Count', "$n")) }
        'Sentinel baseline' = { param($rep) & $addMemory 'Sentinel (pwsh)' $baselineVariant $rep (Invoke-FreshPwsh sentinel_memory.ps1 @('-ModulePath', $ModulePath, '-Baseline')) }
        'Paramiko' = { param($rep) & $addMemory 'Paramiko (python)' $sessionsVariant $rep (Invoke-Peer paramiko_seq.py (@('memory') + $memoryPeer)) }
        'Paramiko baseline' = { param($rep) & $addMemory 'Paramiko (python)' $baselineVariant $rep (Invoke-Peer paramiko_seq.py (@('baseline') + $peerCommon)) }
        'AsyncSSH' = { param($rep) & $addMemory 'AsyncSSH (python)' $sessionsVariant $rep (Invoke-Peer asyncssh_bench.py (@('memory') + $memoryPeer)) }
        'AsyncSSH baseline' = { param($rep) & $addMemory 'AsyncSSH (python)' $baselineVariant $rep (Invoke-Peer asyncssh_bench.py (@('baseline') + $peerCommon)) }
    }
    Invoke-Alternating -Reps $Settings.MemoryReps -Tools $memory

    # --- 5. start-up: Import-Module, and the first connection in a process against warm ones -----
    Write-Host "`n== 5. Start-up: Import-Module in a fresh pwsh; first connection against the next $($Settings.WarmConnections)"
    $importScript = "`$c = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$ModulePath'; [Math]::Round(`$c.Elapsed.TotalMilliseconds, 1)"
    $freshPwsh = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command')
    $startupArgs = @('-ModulePath', $ModulePath, '-Port', "$($lab.Port)", '-KeyFile', $key, '-KnownHostsFile', $knownHosts, '-Count', "$($Settings.WarmConnections)")
    $addFirst = {
        param([string]$Variant, [int]$Rep, $R)
        Add-Result 'first-connection' $Variant 'first' $Rep $R.first_ms $R.failures
        Add-Result 'first-connection' $Variant "warm (median of $($Settings.WarmConnections))" $Rep $R.warm_ms $R.failures
    }
    $startup = [ordered]@{
        'Import-Module Sentinel (in fresh pwsh)' = { param($rep)
            $ms = & $pwsh[0] @freshPwsh $importScript
            Add-Result 'import' 'Import-Module' 'Sentinel' $rep ([double]($ms | Select-Object -Last 1)) }
        'pwsh start + import' = { param($rep)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $null = & $pwsh[0] @freshPwsh "Import-Module '$ModulePath'"
            Add-Result 'import' 'pwsh start + Import-Module' 'Sentinel' $rep $clock.Elapsed.TotalMilliseconds }
        'pwsh start alone' = { param($rep)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $null = & $pwsh[0] @freshPwsh '1'
            Add-Result 'import' 'pwsh start alone' 'pwsh' $rep $clock.Elapsed.TotalMilliseconds }
        'first connection, default' = { param($rep) & $addFirst 'Sentinel' $rep (Invoke-FreshPwsh sentinel_startup.ps1 $startupArgs) }
        'first connection, curve25519' = { param($rep) & $addFirst 'Sentinel -KeyExchange curve25519-sha256' $rep (Invoke-FreshPwsh sentinel_startup.ps1 ($startupArgs + @('-KeyExchange', 'curve25519-sha256'))) }
    }
    Invoke-Alternating -Reps $Settings.StartupReps -Tools $startup

    # --- 6. throughput ------------------------------------------------------------------------
    $bytes = [long]$Settings.Bytes
    $mib = $bytes / 1MB
    Write-Host "`n== 6. Throughput: $mib MiB on stdout"
    $data = Join-Path $work 'data.txt'
    # Base64 text in 76-column lines: every tool gets it byte for byte, and Sentinel's text Output
    # round-trips to the same bytes, so one checksum verifies all.
    & bash -c "head -c $([long]($bytes * 3 / 4 + 4096)) /dev/urandom 2>/dev/null | base64 -w 76 2>/dev/null | head -c $bytes > '$data'"
    & chmod 644 $data
    $sha = ((& sha256sum $data) -split ' ')[0]
    $command = "head -c $bytes $data"
    $tp = @('--command', $command, '--bytes', "$bytes", '--sha256', $sha)
    # Every cipher both OpenSSH and Sentinel offer (Sentinel over a session opened with -Cipher,
    # connection not timed); Paramiko with its default.
    $ciphers = $BothCiphers
    $cipherSessions = @{}
    foreach ($cipher in $ciphers) { $cipherSessions[$cipher] = Connect-SentinelServer @sentinelCommon -Cipher $cipher }
    $throughput = [ordered]@{
        'Paramiko' = { param($rep) $r = Invoke-Peer paramiko_seq.py (@('throughput') + $tp + $peerCommon); Add-Result 'throughput' $r.cipher 'Paramiko' $rep ($mib / $r.seconds) $r.failures }
    }
    # One block per cipher and tool, made from text so each keeps its own cipher.
    for ($c = 0; $c -lt $ciphers.Count; $c++) {
        $throughput["Sentinel-$c"] = [scriptblock]::Create("param(`$rep) Measure-SentinelThroughput -Cipher '$($ciphers[$c])' -Rep `$rep")
        $throughput["OpenSSH-$c"] = [scriptblock]::Create("param(`$rep) `$cipher = '$($ciphers[$c])'; `$r = Invoke-Peer openssh_bench.py (@('throughput', '--cipher', `$cipher) + `$tp + `$peerCommon); Add-Result 'throughput' `$cipher 'OpenSSH (ControlMaster)' `$rep (`$mib / `$r.seconds) `$r.failures")
    }
    Invoke-Alternating -Reps $Settings.ThroughputReps -Tools $throughput
    foreach ($cipher in $ciphers) { Disconnect-SentinelServer -Session $cipherSessions[$cipher] }
    [GC]::Collect()

    # What memory costs on this machine, which a tool that keeps a large output pays: a fresh pwsh
    # writes every byte of a new 512 MiB array twice; the first pass also pays for the pages.
    $touchScript = '$a = [byte[]]::new(512MB); $c = [Diagnostics.Stopwatch]::StartNew(); [Array]::Fill($a, [byte]1); $first = $c.Elapsed.TotalSeconds; $c.Restart(); [Array]::Fill($a, [byte]2); "{0} {1}" -f $first, $c.Elapsed.TotalSeconds'
    for ($rep = 1; $rep -le $Settings.ThroughputReps; $rep++) {
        $times = ((& $pwsh[0] @freshPwsh $touchScript | Select-Object -Last 1) -split ' ') | ForEach-Object { [double]$_ }
        Add-Result 'memory-touch' '512 MiB' 'first write (new pages)' $rep (512 / $times[0])
        Add-Result 'memory-touch' '512 MiB' 'second write (same pages)' $rep (512 / $times[1])
    }

    # --- 7. concurrent commands on one connection ---------------------------------------------
    $n = $Settings.Concurrent
    Write-Host "`n== 7. $n concurrent 'true' on one connection"
    # Sentinel: $n PowerShell instances on a pool of $n runspaces (module imported and runspaces
    # opened before the clock starts), each running Invoke-SentinelCommand on the same session.
    $iss = [initialsessionstate]::CreateDefault2()
    $iss.ImportPSModule($ModulePath)
    $pool = [runspacefactory]::CreateRunspacePool(1, $n, $iss, $Host)
    $pool.Open()
    $warm = for ($i = 0; $i -lt $n; $i++) { $p = [powershell]::Create(); $p.RunspacePool = $pool; $null = $p.AddScript('1'); [pscustomobject]@{ P = $p; H = $p.BeginInvoke() } }
    $warm | ForEach-Object { $null = $_.P.EndInvoke($_.H); $_.P.Dispose() }
    $concurrent = [ordered]@{
        'Sentinel (one session)' = { param($rep)
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $jobs = for ($i = 0; $i -lt $n; $i++) {
                $p = [powershell]::Create(); $p.RunspacePool = $pool
                $null = $p.AddScript('param($s) Invoke-SentinelCommand true -Session $s').AddArgument($session)
                [pscustomobject]@{ P = $p; H = $p.BeginInvoke() }
            }
            $ok = 0
            foreach ($job in $jobs) { $ok += @($job.P.EndInvoke($job.H) | Where-Object Succeeded).Count; $job.P.Dispose() }
            Add-Result 'concurrent' "$n commands" 'Sentinel (one session)' $rep $clock.Elapsed.TotalSeconds ($n - $ok) }
        'OpenSSH (one ControlMaster)' = { param($rep)
            $r = Invoke-Peer openssh_bench.py (@('concurrent', '--count', "$n") + $peerCommon)
            Add-Result 'concurrent' "$n commands" 'OpenSSH (one ControlMaster)' $rep $r.seconds $r.failures $r.first_error }
    }
    Invoke-Alternating -Reps $Settings.Reps -Tools $concurrent
    $pool.Close(); $pool.Dispose(); $pool = $null
}
finally {
    if ($pool) { $pool.Close(); $pool.Dispose() }
    Get-SentinelSession | Disconnect-SentinelServer -ErrorAction SilentlyContinue
    if ($openSsh10) { Stop-SentinelRealLab -Instance $openSsh10 }
    if ($fleet) { Stop-SentinelLabFleet -Fleet $fleet }
    if ($lab) { Stop-SentinelLab -Lab $lab }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

# --- 8 and 9. files and fan-out: their own scripts, each with its own lab, in a child pwsh --------
function Invoke-ChildBench {
    param([string]$Script, [string[]]$Arguments)
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot $Script) -ModulePath $ModulePath -OutputDirectory $OutputDirectory @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Script failed with exit code $LASTEXITCODE." }
}
Write-Host "`n== 8. Files: Copy-SentinelItem (bench/Invoke-FileBench.ps1)"
$fileArgs = @('-Cipher', ($BothCiphers -join ','))
if ($Quick) { $fileArgs += '-Quick' } else { $fileArgs += @('-Repeat', '2') }
Invoke-ChildBench Invoke-FileBench.ps1 $fileArgs
Write-Host "`n== 9. The runbook case at $($Settings.FanOutHosts -join ', ') hosts (bench/Invoke-FanOutBench.ps1)"
Invoke-ChildBench Invoke-FanOutBench.ps1 @('-Hosts', ($Settings.FanOutHosts -join ','), '-ThrottleLimit', '32', '-Repeat', "$($Settings.FanOutReps)", '-Tool', 'Sentinel,AsyncSSH-NoTimeout')
$elapsed = (Get-Date) - $started

# --- report -----------------------------------------------------------------------------------------
$resultsPath = Join-Path $RepoRoot 'out/bench/results.json'
New-Item -ItemType Directory -Path (Split-Path $resultsPath) -Force | Out-Null
@{ Results = $Results; Negotiated = $negotiated; NegotiatedOrder = @($negotiated.Keys); Versions = $versions; VersionsOrder = @($versions.Keys)
    Settings = $Settings; Quick = [bool]$Quick; ElapsedSeconds = $elapsed.TotalSeconds; Ciphers = $ciphers; Extra = $Extra } |
    ConvertTo-Json -Depth 6 | Set-Content $resultsPath
Write-Host "Measurements saved in $resultsPath"
. (Join-Path $PSScriptRoot 'Write-BenchReport.ps1')
Write-BenchReport -Results $Results -Negotiated $negotiated -Versions $versions -Settings $Settings -Quick:$Quick `
    -Elapsed $elapsed -OutputDirectory $OutputDirectory -Ciphers $ciphers -Extra $Extra
