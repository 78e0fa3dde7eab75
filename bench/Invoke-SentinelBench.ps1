#!/usr/bin/env pwsh
<#
.SYNOPSIS
Benchmarks Sentinel side by side with OpenSSH, Paramiko, Fabric, parallel-ssh and Ansible against the
same lab sshd, and writes docs/benchmarks.md and docs/benchmarks.png.

.DESCRIPTION
Run by `build.ps1 -Task Bench [-Quick]` in a child pwsh. Sentinel is measured in this process (one
long-lived pwsh, the built module imported once); the peers are the scripts in bench/peers, which
time their inner loop with time.perf_counter and print one JSON line. Tools alternate within each
repetition (the starting tool rotates); medians, minima and maxima are over repetitions.
Every tool uses the lab key, one known_hosts file made with ssh-keyscan, and strict host-key checking.
All traffic goes to 127.0.0.x. Every process started here is stopped by PID.
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
$Python = '/usr/bin/python3'   # Debian's, where python3-paramiko and python3-fabric install
$env:PYTHONDONTWRITEBYTECODE = '1'
$ModulePath = (Resolve-Path $ModulePath).Path
$OutputDirectory = [IO.Path]::GetFullPath($OutputDirectory)

$Settings = if ($Quick) {
    @{ Reps = 2; FanOutReps = 2; SeqCount = 50; ColdCount = 10; FanOut = @(20); FleetSize = 20; Bytes = 64MB; Concurrent = 100; Sessions = 100; ImportReps = 2 }
}
else {
    @{ Reps = 5; FanOutReps = 3; SeqCount = 200; ColdCount = 20; FanOut = @(50, 100); FleetSize = 100; Bytes = 256MB; Concurrent = 100; Sessions = 100; ImportReps = 5 }
}
$Throttle = 32
$WarmUpCommands = 50

# --- prerequisites ---------------------------------------------------------------------------------
function Install-BenchPrerequisites {
    $packages = 'openssh-client', 'python3-paramiko', 'python3-fabric', 'pssh', 'ansible-core', 'gnuplot-nox'
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

function Add-Result {
    param([string]$Scenario, [string]$Variant, [string]$Tool, [int]$Rep, [double]$Value, [int]$Failures = 0, [string]$Note)
    $Results.Add([pscustomobject]@{ Scenario = $Scenario; Variant = $Variant; Tool = $Tool; Rep = $Rep; Value = $Value; Failures = $Failures; Note = $Note })
    $fail = if ($Failures) { " ($Failures failed)" } else { '' }
    Write-Host ("  {0,-10} {1,-22} {2,-28} rep {3}: {4:N2}{5}" -f $Scenario, $Variant, $Tool, $Rep, $Value, $fail)
}

function Invoke-Peer {
    # Runs one peer script and returns its JSON line as an object.
    param([Parameter(Mandatory)][string]$Script, [string[]]$Arguments = @())
    $output = & $Python (Join-Path $PeerRoot $Script) @Arguments 2>&1
    $json = @($output | Where-Object { "$_".StartsWith('{') }) | Select-Object -Last 1
    if ($LASTEXITCODE -ne 0 -or -not $json) { throw "$Script $($Arguments -join ' ') failed: $($output -join "`n")" }
    $json | ConvertFrom-Json
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

function Get-Median([double[]]$Values) {
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    if ($n % 2) { $sorted[[int][Math]::Floor($n / 2)] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

if ($FromResults) {
    $saved = Get-Content $FromResults -Raw | ConvertFrom-Json -AsHashtable
    . (Join-Path $PSScriptRoot 'Write-BenchReport.ps1')
    $negotiated = [ordered]@{}; foreach ($k in $saved.NegotiatedOrder) { $negotiated[$k] = $saved.Negotiated[$k] }
    $versions = [ordered]@{}; foreach ($k in $saved.VersionsOrder) { $versions[$k] = $saved.Versions[$k] }
    $rows = @($saved.Results | ForEach-Object { [pscustomobject]$_ })
    Write-BenchReport -Results $rows -Negotiated $negotiated -Versions $versions -Settings $saved.Settings -Quick:$saved.Quick `
        -Elapsed ([TimeSpan]::FromSeconds($saved.ElapsedSeconds)) -OutputDirectory $OutputDirectory -Ciphers $saved.Ciphers
    return
}

# --- lab ------------------------------------------------------------------------------------------
Install-BenchPrerequisites
Import-Module (Join-Path $RepoRoot 'tests/lab/SentinelLab.psm1') -Force
Import-Module $ModulePath

$work = Join-Path ([IO.Path]::GetTempPath()) "sentinel-bench-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
& chmod 755 $work
$lab = $null; $fleet = $null; $session = $null; $pool = $null
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
    $sentinelCommon = @{ Port = $lab.Port; KeyFile = $key; KnownHostsFile = $knownHosts; HostKeyPolicy = 'Strict' }
    $sentinelFleet = @{ Port = $fleet.Port; KeyFile = $key; KnownHostsFile = $knownHosts; HostKeyPolicy = 'Strict' }

    # --- negotiated algorithms and versions ----------------------------------------------------
    $verbose = Connect-SentinelServer -ComputerName 127.0.0.1 @sentinelCommon -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
    $algorithms = ($verbose | ForEach-Object Message | Select-String 'key exchange (\S+), host key (\S+), cipher (\S+), MAC ([^.]+)' | Select-Object -First 1).Matches[0].Groups
    Get-SentinelSession | Disconnect-SentinelServer
    $sshnet = (Get-Item (Join-Path (Split-Path $ModulePath) 'dependencies/Core/Renci.SshNet.dll')).VersionInfo.ProductVersion
    $openSshInfo = Invoke-Peer openssh_bench.py (@('info') + $peerCommon)
    $paramikoInfo = Invoke-Peer paramiko_seq.py (@('info') + $peerCommon)
    $cliVersions = Invoke-Peer cli_fanout.py (@('version') + $fleetCommon + @('--hosts-file', '/dev/null'))
    $fabricVersion = (& $Python -c 'import fabric; print(fabric.__version__)').Trim()
    $negotiated = [ordered]@{
        'Sentinel'        = @{ Kex = $algorithms[1].Value; Cipher = $algorithms[3].Value; Mac = $algorithms[4].Value.Trim() }
        'OpenSSH'         = @{ Kex = $openSshInfo.kex; Cipher = $openSshInfo.cipher; Mac = $openSshInfo.mac }
        'Paramiko'        = @{ Kex = $paramikoInfo.kex; Cipher = $paramikoInfo.cipher; Mac = $paramikoInfo.mac }
    }
    $versions = [ordered]@{
        'Sentinel'      = "$((Import-PowerShellDataFile $ModulePath).ModuleVersion) (SSH.NET $sshnet, PowerShell $($PSVersionTable.PSVersion))"
        'OpenSSH'       = $openSshInfo.version
        'Paramiko'      = $paramikoInfo.version
        'Fabric'        = $fabricVersion
        'parallel-ssh'  = $cliVersions.pssh
        'Ansible'       = $cliVersions.ansible
        'sshd (lab)'    = (& sshd -V 2>&1 | Select-Object -First 1)
    }
    Write-Host "Sentinel negotiated $($negotiated.Sentinel.Kex) / $($negotiated.Sentinel.Cipher); OpenSSH $($openSshInfo.kex) / $($openSshInfo.cipher); Paramiko $($paramikoInfo.kex) / $($paramikoInfo.cipher)"

    # --- 1. sequential `true` over one connection ---------------------------------------------
    $n = $Settings.SeqCount
    Write-Host "`n== 1. $n sequential 'true' over one connection"
    $session = Connect-SentinelServer -ComputerName 127.0.0.1 @sentinelCommon
    # One-time costs (the runtime compiling Sentinel's code paths on first use) are not per-command cost.
    for ($i = 0; $i -lt $WarmUpCommands; $i++) { $null = Invoke-SentinelCommand 'true' -Session $session }
    $depPath = Join-Path (Split-Path $ModulePath) 'dependencies/Core'
    $seq = [ordered]@{
        'Sentinel (one session)' = { param($rep) $s = Measure-Sentinel { for ($i = 0; $i -lt $n; $i++) { $null = Invoke-SentinelCommand 'true' -Session $session } }; Add-Result 'seq' "$n commands" 'Sentinel (one session)' $rep ($s / $n * 1000) }
        'OpenSSH ControlMaster'  = { param($rep) $r = Invoke-Peer openssh_bench.py (@('seq', '--count', "$n") + $peerCommon); Add-Result 'seq' "$n commands" 'OpenSSH ControlMaster' $rep ($r.seconds / $n * 1000) $r.failures }
        'Paramiko (one client)'  = { param($rep) $r = Invoke-Peer paramiko_seq.py (@('seq', '--count', "$n") + $peerCommon); Add-Result 'seq' "$n commands" 'Paramiko (one client)' $rep ($r.seconds / $n * 1000) $r.failures }
        'Fabric (one Connection)' = { param($rep) $r = Invoke-Peer fabric_seq.py (@('seq', '--count', "$n") + $peerCommon); Add-Result 'seq' "$n commands" 'Fabric (one Connection)' $rep ($r.seconds / $n * 1000) $r.failures }
        'SSH.NET direct (no cmdlets)' = { param($rep)
            $json = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $PeerRoot 'sshnet_seq.ps1') -DependencyPath $depPath -Port $lab.Port -KeyFile $key -KnownHostsFile $knownHosts -Count $n -WarmUp $WarmUpCommands | Select-Object -Last 1 | ConvertFrom-Json
            Add-Result 'seq' "$n commands" 'SSH.NET direct (no cmdlets)' $rep ($json.seconds / $n * 1000) $json.failures }
        'local bash -c true (floor)' = { param($rep) $r = Invoke-Peer local_floor.py @('--count', "$n"); Add-Result 'seq' "$n commands" 'local bash -c true (floor)' $rep ($r.seconds / $n * 1000) $r.failures }
    }
    Invoke-Alternating -Reps $Settings.Reps -Tools $seq

    # --- 2. cold connections ------------------------------------------------------------------
    $n = $Settings.ColdCount
    Write-Host "`n== 2. Cold: connect, authenticate, run 'true', disconnect, $n times"
    $cold = [ordered]@{
        'Sentinel' = { param($rep)
            $s = Measure-Sentinel { for ($i = 0; $i -lt $n; $i++) {
                    $c = Connect-SentinelServer -ComputerName 127.0.0.1 @sentinelCommon
                    $null = Invoke-SentinelCommand 'true' -Session $c
                    Disconnect-SentinelServer -Session $c } }
            Add-Result 'cold' "$n connections" 'Sentinel' $rep ($s / $n * 1000) }
        'Sentinel -KeyExchange curve25519-sha256' = { param($rep)
            $s = Measure-Sentinel { for ($i = 0; $i -lt $n; $i++) {
                    $c = Connect-SentinelServer -ComputerName 127.0.0.1 @sentinelCommon -KeyExchange curve25519-sha256
                    $null = Invoke-SentinelCommand 'true' -Session $c
                    Disconnect-SentinelServer -Session $c } }
            Add-Result 'cold' "$n connections" 'Sentinel -KeyExchange curve25519-sha256' $rep ($s / $n * 1000) }
        'OpenSSH (ssh)' = { param($rep) $r = Invoke-Peer openssh_bench.py (@('cold', '--count', "$n") + $peerCommon); Add-Result 'cold' "$n connections" 'OpenSSH (ssh)' $rep ($r.seconds / $n * 1000) $r.failures }
        'Paramiko' = { param($rep) $r = Invoke-Peer paramiko_seq.py (@('cold', '--count', "$n") + $peerCommon); Add-Result 'cold' "$n connections" 'Paramiko' $rep ($r.seconds / $n * 1000) $r.failures }
        'Fabric' = { param($rep) $r = Invoke-Peer fabric_seq.py (@('cold', '--count', "$n") + $peerCommon); Add-Result 'cold' "$n connections" 'Fabric' $rep ($r.seconds / $n * 1000) $r.failures }
    }
    Invoke-Alternating -Reps $Settings.Reps -Tools $cold

    # --- 3. fan-out ---------------------------------------------------------------------------
    foreach ($hostCount in $Settings.FanOut) {
        Write-Host "`n== 3. Fan-out: 'true' on $hostCount loopback hosts, $Throttle in parallel"
        $hosts = @($fleet.Addresses[0..($hostCount - 1)])
        $hostsFile = Join-Path $work "hosts-$hostCount"
        Set-Content -Path $hostsFile -Value $hosts
        $variant = "$hostCount hosts"
        $fan = [ordered]@{
            'Sentinel' = { param($rep)
                $failures = 0
                $s = Measure-Sentinel { $script:fanResults = @(Invoke-SentinelCommand 'true' -ComputerName $hosts @sentinelFleet -ThrottleLimit $Throttle -ErrorAction SilentlyContinue) }
                $failures = $hostCount - @($script:fanResults | Where-Object Succeeded).Count
                Add-Result 'fanout' $variant 'Sentinel' $rep $s $failures }
            'Sentinel -KeyExchange curve25519-sha256' = { param($rep)
                $s = Measure-Sentinel { $script:fanResults = @(Invoke-SentinelCommand 'true' -ComputerName $hosts @sentinelFleet -ThrottleLimit $Throttle -KeyExchange curve25519-sha256 -ErrorAction SilentlyContinue) }
                $failures = $hostCount - @($script:fanResults | Where-Object Succeeded).Count
                Add-Result 'fanout' $variant 'Sentinel -KeyExchange curve25519-sha256' $rep $s $failures }
            'parallel-ssh -p 32' = { param($rep) $r = Invoke-Peer cli_fanout.py (@('pssh', '--hosts-file', $hostsFile, '--parallel', "$Throttle") + $fleetCommon); Add-Result 'fanout' $variant 'parallel-ssh -p 32' $rep $r.seconds $r.failures }
            'ansible -f 32' = { param($rep) $r = Invoke-Peer cli_fanout.py (@('ansible', '--hosts-file', $hostsFile, '--parallel', "$Throttle") + $fleetCommon); Add-Result 'fanout' $variant 'ansible -f 32' $rep $r.seconds $r.failures }
            'Fabric ThreadingGroup' = { param($rep) $r = Invoke-Peer fabric_group.py (@('--hosts-file', $hostsFile) + $fleetCommon); Add-Result 'fanout' $variant 'Fabric ThreadingGroup' $rep $r.seconds $r.failures }
        }
        Invoke-Alternating -Reps $Settings.FanOutReps -Tools $fan
    }

    # --- 4. throughput ------------------------------------------------------------------------
    $bytes = [long]$Settings.Bytes
    $mib = $bytes / 1MB
    Write-Host "`n== 4. Throughput: $mib MiB on stdout"
    $data = Join-Path $work 'data.txt'
    # Base64 text in 76-column lines: every tool gets it byte for byte, and Sentinel's text Output
    # round-trips to the same bytes, so one checksum verifies all.
    & bash -c "head -c $([long]($bytes * 3 / 4 + 4096)) /dev/urandom 2>/dev/null | base64 -w 76 2>/dev/null | head -c $bytes > '$data'"
    & chmod 644 $data
    $sha = ((& sha256sum $data) -split ' ')[0]
    $command = "head -c $bytes $data"
    $tp = @('--command', $command, '--bytes', "$bytes", '--sha256', $sha)
    $paramikoCipher = $negotiated.Paramiko.Cipher
    # Each cipher a tool negotiates by default, plus the two AEAD ciphers; Sentinel and OpenSSH run
    # every one (Sentinel over a session opened with -Cipher, connection not timed).
    $ciphers = @($openSshInfo.cipher, $paramikoCipher, $negotiated.Sentinel.Cipher, 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com') | Select-Object -Unique
    $cipherSessions = @{}
    foreach ($cipher in $ciphers) { $cipherSessions[$cipher] = Connect-SentinelServer -ComputerName 127.0.0.1 @sentinelCommon -Cipher $cipher }
    $throughput = [ordered]@{
        'Paramiko' = { param($rep) $r = Invoke-Peer paramiko_seq.py (@('throughput') + $tp + $peerCommon); Add-Result 'throughput' $r.cipher 'Paramiko' $rep ($mib / $r.seconds) $r.failures }
    }
    # One block per cipher and tool, made from text so each keeps its own cipher.
    for ($c = 0; $c -lt $ciphers.Count; $c++) {
        $throughput["Sentinel-$c"] = [scriptblock]::Create("param(`$rep) Measure-SentinelThroughput -Cipher '$($ciphers[$c])' -Rep `$rep")
        $throughput["OpenSSH-$c"] = [scriptblock]::Create("param(`$rep) `$cipher = '$($ciphers[$c])'; `$r = Invoke-Peer openssh_bench.py (@('throughput', '--cipher', `$cipher) + `$tp + `$peerCommon); Add-Result 'throughput' `$cipher 'OpenSSH (ControlMaster)' `$rep (`$mib / `$r.seconds) `$r.failures")
    }
    Invoke-Alternating -Reps $Settings.Reps -Tools $throughput
    [GC]::Collect()

    # What memory costs on this machine, which a tool that keeps a large output pays: a fresh pwsh
    # writes every byte of a new 512 MiB array twice; the first pass also pays for the pages.
    $touchScript = '$a = [byte[]]::new(512MB); $c = [Diagnostics.Stopwatch]::StartNew(); [Array]::Fill($a, [byte]1); $first = $c.Elapsed.TotalSeconds; $c.Restart(); [Array]::Fill($a, [byte]2); "{0} {1}" -f $first, $c.Elapsed.TotalSeconds'
    for ($rep = 1; $rep -le $Settings.Reps; $rep++) {
        $times = ((& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $touchScript | Select-Object -Last 1) -split ' ') | ForEach-Object { [double]$_ }
        Add-Result 'memory-touch' '512 MiB' 'first write (new pages)' $rep (512 / $times[0])
        Add-Result 'memory-touch' '512 MiB' 'second write (same pages)' $rep (512 / $times[1])
    }

    # --- 5. concurrent commands on one connection ---------------------------------------------
    $n = $Settings.Concurrent
    Write-Host "`n== 5. $n concurrent 'true' on one connection"
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

    # --- 6. import time and memory ------------------------------------------------------------
    Write-Host "`n== 6. Import-Module time in a fresh pwsh; peak memory with $($Settings.Sessions) open sessions"
    $importScript = "`$c = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$ModulePath'; [Math]::Round(`$c.Elapsed.TotalMilliseconds, 1)"
    $import = [ordered]@{
        'Import-Module Sentinel (in fresh pwsh)' = { param($rep)
            $ms = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $importScript
            Add-Result 'import' 'Import-Module' 'Sentinel' $rep ([double]($ms | Select-Object -Last 1)) }
        'pwsh start + import' = { param($rep)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $null = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "Import-Module '$ModulePath'"
            Add-Result 'import' 'pwsh start + Import-Module' 'Sentinel' $rep $clock.Elapsed.TotalMilliseconds }
        'pwsh start alone' = { param($rep)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $null = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command '1'
            Add-Result 'import' 'pwsh start alone' 'pwsh' $rep $clock.Elapsed.TotalMilliseconds }
    }
    Invoke-Alternating -Reps $Settings.ImportReps -Tools $import

    $fleetHostsFile = Join-Path $work 'hosts-all'
    Set-Content -Path $fleetHostsFile -Value $fleet.Addresses
    $memScript = @"
Import-Module '$ModulePath'
`$me = [Diagnostics.Process]::GetCurrentProcess()
`$hosts = Get-Content '$fleetHostsFile'
`$common = @{ Port = $($fleet.Port); KeyFile = '$key'; KnownHostsFile = '$knownHosts'; HostKeyPolicy = 'Strict' }
`$sessions = for (`$i = 0; `$i -lt $($Settings.Sessions); `$i++) { Connect-SentinelServer -ComputerName `$hosts[`$i % `$hosts.Count] @common -ErrorAction SilentlyContinue -ErrorVariable +failed }
`$null = Invoke-SentinelCommand true -Session `$sessions
`$me.Refresh()
`$open = @(Get-SentinelSession | Where-Object State -eq 'Open').Count
Get-SentinelSession | Disconnect-SentinelServer
@{ peak_mib = [Math]::Round(`$me.PeakWorkingSet64 / 1MB, 1); open = `$open; first_error = if (`$failed) { "`$(`$failed[0])" } else { `$null } } | ConvertTo-Json -Compress
"@
    $memBaseline = "Import-Module '$ModulePath'; `$me = [Diagnostics.Process]::GetCurrentProcess(); `$me.Refresh(); '{`"peak_mib`": ' + [Math]::Round(`$me.PeakWorkingSet64 / 1MB, 1) + '}'"
    $memory = [ordered]@{
        'Sentinel' = { param($rep)
            $json = (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $memScript | Select-Object -Last 1) | ConvertFrom-Json
            Add-Result 'memory' "$($Settings.Sessions) sessions" 'Sentinel (pwsh process)' $rep $json.peak_mib ($Settings.Sessions - $json.open) $json.first_error }
        'Sentinel baseline' = { param($rep)
            $json = (& $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $memBaseline | Select-Object -Last 1) | ConvertFrom-Json
            Add-Result 'memory' 'imported, no session' 'Sentinel (pwsh process)' $rep $json.peak_mib }
        'Paramiko' = { param($rep)
            $r = Invoke-Peer paramiko_seq.py (@('memory', '--count', "$($Settings.Sessions)", '--hosts-file', $fleetHostsFile) + $fleetCommon)
            Add-Result 'memory' "$($Settings.Sessions) sessions" 'Paramiko (python process)' $rep $r.peak_mib }
    }
    Invoke-Alternating -Reps ([Math]::Min($Settings.Reps, 3)) -Tools $memory
}
finally {
    if ($pool) { $pool.Close(); $pool.Dispose() }
    Get-SentinelSession | Disconnect-SentinelServer -ErrorAction SilentlyContinue
    if ($fleet) { Stop-SentinelLabFleet -Fleet $fleet }
    if ($lab) { Stop-SentinelLab -Lab $lab }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
$elapsed = (Get-Date) - $started

# --- report -----------------------------------------------------------------------------------------
$resultsPath = Join-Path $RepoRoot 'out/bench/results.json'
New-Item -ItemType Directory -Path (Split-Path $resultsPath) -Force | Out-Null
@{ Results = $Results; Negotiated = $negotiated; NegotiatedOrder = @($negotiated.Keys); Versions = $versions; VersionsOrder = @($versions.Keys)
    Settings = $Settings; Quick = [bool]$Quick; ElapsedSeconds = $elapsed.TotalSeconds; Ciphers = $ciphers } |
    ConvertTo-Json -Depth 5 | Set-Content $resultsPath
Write-Host "Measurements saved in $resultsPath"
. (Join-Path $PSScriptRoot 'Write-BenchReport.ps1')
Write-BenchReport -Results $Results -Negotiated $negotiated -Versions $versions -Settings $Settings -Quick:$Quick `
    -Elapsed $elapsed -OutputDirectory $OutputDirectory -Ciphers $ciphers
