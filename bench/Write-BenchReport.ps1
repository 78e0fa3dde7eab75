# Turns the harness's measurements into docs/benchmarks.md and docs/benchmarks.png (gnuplot).
# Dot-sourced by Invoke-SentinelBench.ps1. The sections Invoke-FileBench.ps1 and Invoke-FanOutBench.ps1
# write (between the files-bench and fanout-bench markers) are carried over from the existing
# docs/benchmarks.md untouched.

function Get-Median {
    # The median of the values given, $null ignored; $null when none is left.
    param([object[]]$Values)
    $sorted = @($Values | Where-Object { $null -ne $_ } | ForEach-Object { [double]$_ } | Sort-Object)
    if ($sorted.Count -eq 0) { return $null }
    $middle = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

function Get-BenchStats {
    param($Results, [string]$Scenario)
    # Sentinel first (the default before a named key exchange), then the peers by name.
    $Results | Where-Object Scenario -eq $Scenario | Group-Object Variant, Tool |
        Sort-Object { $_.Group[0].Variant }, { if ($_.Group[0].Tool -like 'Sentinel*') { 0 } else { 1 } }, { $_.Group[0].Tool.Length * [int]($_.Group[0].Tool -like 'Sentinel*') }, { $_.Group[0].Tool } | ForEach-Object {
        $sorted = @([double[]]@($_.Group.Value) | Sort-Object)
        $n = $sorted.Count
        [pscustomobject]@{
            Variant  = $_.Group[0].Variant
            Tool     = $_.Group[0].Tool
            Median   = Get-Median $sorted
            Min      = $sorted[0]
            Max      = $sorted[-1]
            Reps     = $n
            Failures = ($_.Group | Measure-Object Failures -Sum).Sum
            Note     = @($_.Group.Note | Where-Object { $_ }) | Select-Object -First 1
        }
    }
}

function Get-BenchStat {
    # One row of Get-BenchStats' output, or $null.
    param($Stats, [string]$Variant, [string]$Tool)
    @($Stats | Where-Object { $_.Tool -eq $Tool -and ($Variant -eq '*' -or $_.Variant -eq $Variant) }) | Select-Object -First 1
}

function Get-BenchMedian {
    # The median of one row, or $null when there is no such row.
    param($Stats, [string]$Variant, [string]$Tool)
    $stat = Get-BenchStat $Stats $Variant $Tool
    if ($stat) { $stat.Median } else { $null }
}

function Format-Number([double]$Value) {
    if ($Value -ge 100) { '{0:N0}' -f $Value } elseif ($Value -ge 10) { '{0:N1}' -f $Value } else { '{0:N2}' -f $Value }
}

function Format-Spread {
    # "median (min-max)", or an empty cell; -Count for whole numbers such as threads.
    param($Stat, [switch]$Count)
    if (-not $Stat) { return '' }
    $format = if ($Count) { { param($v) '{0:N0}' -f $v } } else { { param($v) Format-Number $v } }
    "$(& $format $Stat.Median) ($(& $format $Stat.Min)-$(& $format $Stat.Max))"
}

function Format-Failures($Stat) { if (-not $Stat) { '' } elseif ($Stat.Failures) { "**$($Stat.Failures)**" } else { '0' } }

function Format-Ratio([double]$Numerator, [double]$Denominator) { if ($Denominator -gt 0) { '{0:N2}x' -f ($Numerator / $Denominator) } else { '' } }

function Write-BenchTable {
    # One table: a row per tool with median/min/max, and Sentinel's ratio to it (Sentinel / tool).
    param($Stats, [string]$Unit, [string]$SentinelTool = 'Sentinel*', [switch]$HigherIsBetter)
    $lines = [System.Collections.Generic.List[string]]::new()
    foreach ($group in ($Stats | Group-Object Variant)) {
        # With several Sentinel rows, ratios are to the default one: the shortest name.
        $sentinel = $group.Group | Where-Object Tool -like $SentinelTool | Sort-Object { $_.Tool.Length } | Select-Object -First 1
        $lines.Add('')
        $lines.Add("**$($group.Name)**")
        $lines.Add('')
        $ratioHead = if ($HigherIsBetter) { 'Sentinel / tool (higher: Sentinel faster)' } else { 'Sentinel / tool (lower: Sentinel faster)' }
        $lines.Add("| Tool | median ($Unit) | min | max | reps | failures | $ratioHead |")
        $lines.Add('|---|---:|---:|---:|---:|---:|---:|')
        foreach ($row in $group.Group) {
            $ratio = if ($sentinel -and $row.Tool -notlike $SentinelTool) { Format-Ratio $sentinel.Median $row.Median } else { '' }
            $lines.Add("| $($row.Tool) | $(Format-Number $row.Median) | $(Format-Number $row.Min) | $(Format-Number $row.Max) | $($row.Reps) | $(Format-Failures $row) | $ratio |")
        }
        foreach ($row in @($group.Group | Where-Object Note)) { $lines.Add(''); $lines.Add("$($row.Tool), first error: ``$($row.Note)``") }
    }
    $lines
}

function Write-BenchChart {
    # Panels of grouped bars: each panel has Series (names) and Rows (Label, Values: one per series,
    # $null where a tool has none); the value is printed above each bar.
    # -Columns: panels per row; the image grows a row at a time. A panel's Line draws a level across it.
    param($Panels, [string]$Path, [string]$Title, [int]$Columns = 3)
    $dir = Join-Path ([IO.Path]::GetTempPath()) "sentinel-bench-chart-$PID"
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    $clean = { param([string]$Text) $Text -replace '["'']', '' -replace '@openssh\.com', '' }
    try {
        $plot = [System.Collections.Generic.List[string]]::new()
        $layoutRows = [int][Math]::Ceiling(@($Panels).Count / $Columns)
        $plot.Add("set terminal pngcairo size 1650,$(525 * $layoutRows + 50) font 'sans,9'")
        $plot.Add("set output '$Path'")
        $plot.Add("set multiplot layout $layoutRows,$Columns title '$(& $clean $Title)'")
        $plot.Add('set style fill solid 0.8 border -1')
        $plot.Add("set datafile missing '?'")
        $plot.Add('set yrange [0:*]')
        # Room above the tallest bar for its label and the key.
        $plot.Add('set offsets 0.5, 0.5, graph 0.15, 0')
        $plot.Add('set grid ytics')
        $plot.Add('set bmargin 9')
        $plot.Add('set lmargin 11')
        $plot.Add('set key top left')
        $i = 0
        foreach ($panel in $Panels) {
            $rows = @($panel.Rows)
            if ($rows.Count -eq 0) { continue }
            $series = @($panel.Series)
            $width = 0.8 / $series.Count
            $file = Join-Path $dir "panel$i.dat"
            Set-Content -Path $file -Value @($rows | ForEach-Object {
                    (@($_.Values) | ForEach-Object { if ($null -eq $_) { '?' } else { ([double]$_).ToString('R', [cultureinfo]::InvariantCulture) } }) -join ' ' })
            $tics = for ($r = 0; $r -lt $rows.Count; $r++) { '"{0}" {1}' -f (& $clean $rows[$r].Label), $r }
            $plot.Add("set xtics ($($tics -join ', ')) rotate by 30 right")
            $plot.Add("set title '$(& $clean $panel.Title)'")
            $plot.Add("set ylabel '$(& $clean $panel.Unit)'")
            $plot.Add("set boxwidth $($width.ToString([cultureinfo]::InvariantCulture))")
            $parts = for ($s = 0; $s -lt $series.Count; $s++) {
                $x = '($0+{0})' -f (($s - ($series.Count - 1) / 2) * $width).ToString([cultureinfo]::InvariantCulture)
                $keyTitle = if ($series.Count -gt 1) { "title '$(& $clean $series[$s])'" } else { 'notitle' }
                "'$file' using $x`:$($s + 1) with boxes lc $($s + 1) $keyTitle"
                "'$file' using $x`:$($s + 1):(sprintf('%.3g', `$$($s + 1))) with labels offset 0,0.6 font ',8' notitle"
            }
            if ($panel.ContainsKey('Line')) { $parts = @($parts) + "$($panel.Line) with lines dt 2 lc rgb 'red' title 'goal'" }
            $plot.Add("plot $($parts -join ', ')")
            $i++
        }
        $plot.Add('unset multiplot')
        $script = Join-Path $dir 'chart.gp'
        Set-Content -Path $script -Value $plot
        & gnuplot $script
        if ($LASTEXITCODE -ne 0) { Write-Warning "gnuplot failed with exit code $LASTEXITCODE." }
    }
    finally { Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue }
}

function Write-BenchReport {
    param($Results, $Negotiated, $Versions, $Settings, [switch]$Quick, [TimeSpan]$Elapsed, [string]$OutputDirectory, $Ciphers, $Extra)
    New-Item -ItemType Directory -Path $OutputDirectory -Force | Out-Null
    $md = [System.Collections.Generic.List[string]]::new()
    $cores = (& nproc).Trim()
    $memKb = [long](((Get-Content /proc/meminfo | Select-String '^MemTotal:').Line -split '\s+')[1])
    $cpu = ((Get-Content /proc/cpuinfo | Select-String '^model name' | Select-Object -First 1).Line -split ':\s*', 2)[1]
    $mode = if ($Quick) { 'Quick (`-Quick`: fewer repetitions and host counts, the same sizes)' } else { 'Full' }
    $date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm') + ' UTC'
    $hostCounts = @($Settings.RunbookHosts)
    $sessions = $Settings.Sessions
    $warmCount = $Settings.WarmConnections
    $defaultTool = 'Sentinel'
    $curveTool = 'Sentinel -KeyExchange curve25519-sha256'
    $runbookKex = $Extra.RunbookKex
    # Against OpenSSH 10 only Sentinel's default changes (ML-KEM); the peers negotiate as with 9.2.
    $kexOf = { param([string]$Tool, [string]$Variant = '')
        if ($Variant -like '*OpenSSH 10' -and $Tool -eq $defaultTool -and $Extra.Runbook10Kex) { return $Extra.Runbook10Kex }
        if ($runbookKex -and $runbookKex[$Tool]) { $runbookKex[$Tool] } else { '' } }

    $inside = @(Get-BenchStats $Results 'runbook-inside')
    $whole = @(Get-BenchStats $Results 'runbook-whole')
    $startups = @(Get-BenchStats $Results 'runbook-startup')
    $imports = @(Get-BenchStats $Results 'runbook-import')
    $exits = @(Get-BenchStats $Results 'runbook-exit')
    $works = @(Get-BenchStats $Results 'runbook-work')
    $warms = @(Get-BenchStats $Results 'runbook-warm')
    $seq = @(Get-BenchStats $Results 'seq')
    $kexWall = @(Get-BenchStats $Results 'kex-wall')
    $kexCpu = @(Get-BenchStats $Results 'kex-cpu')
    $peak = @(Get-BenchStats $Results 'memory-peak')
    $threads = @(Get-BenchStats $Results 'memory-threads')
    $import = @(Get-BenchStats $Results 'import')
    $first = @(Get-BenchStats $Results 'first-connection')
    $tp = @(Get-BenchStats $Results 'throughput')
    $touch = @(Get-BenchStats $Results 'memory-touch')
    $conc = @(Get-BenchStats $Results 'concurrent')
    $bare = @(Get-BenchStats $Results 'interpreter-start')
    # The runbook's variants in the order they ran: each host count, then OpenSSH 10 when it ran.
    $runbookVariants = @(@($hostCounts | ForEach-Object { "$_ hosts" }) + @("$($hostCounts[0]) hosts, OpenSSH 10") | Where-Object { $v = $_; @($inside | Where-Object Variant -eq $v).Count })

    $md.Add('# Sentinel benchmarks')
    $md.Add('')
    $md.Add("Generated by ``bench/Invoke-SentinelBench.ps1`` ($mode) on $date; the run took $([int][Math]::Floor($Elapsed.TotalMinutes)) min $($Elapsed.Seconds) s.")
    $md.Add("Machine: $cores cores ($cpu), $([Math]::Round($memKb / 1MB, 1)) GiB memory, $(& uname -sr). Every tool talks to the same lab")
    $md.Add('OpenSSH sshd on loopback (127.0.0.1 for one host; 127.0.0.2 and up for the fleet; OpenSSH 10 in a container for the key')
    $md.Add('exchange costs), with the lab''s ed25519 key, one `known_hosts` file made by `ssh-keyscan`, and strict host-key checking')
    $md.Add('(OpenSSH, pssh and Ansible: `StrictHostKeyChecking=yes`; Paramiko and Fabric: `load_host_keys` + `RejectPolicy`; AsyncSSH:')
    $md.Add('`known_hosts=<the file>`; Sentinel: `-HostKeyPolicy Strict`). Everything else is each tool''s default. Client and server share')
    $md.Add('the same cores, so these numbers are CPU-bound and say how the tools compare here, not what a network would give.')
    $md.Add('')
    $runbookReps = @(for ($h = 0; $h -lt $hostCounts.Count; $h++) { "$($Settings.RunbookReps[$h]) at $($hostCounts[$h]) hosts" }) -join ', '
    $md.Add("Repetitions: runbook $runbookReps (Ansible $($Settings.AnsibleReps), at $($hostCounts[0]) hosts only); per command $($Settings.Reps);")
    $md.Add("key exchange $($Settings.KexReps) x $($Settings.KexCount) connections; memory $($Settings.MemoryReps); start-up $($Settings.StartupReps) (import $($Settings.ImportReps));")
    $md.Add("throughput $($Settings.ThroughputReps); concurrent $($Settings.Reps). Tools alternate within each repetition and the first tool rotates.")
    $md.Add('Figures are medians with the minimum and maximum over repetitions; ratios are Sentinel''s median divided by the tool''s median.')
    $md.Add('')
    $md.Add('![Medians: the runbook case, per command, key exchange CPU, memory per idle session](benchmarks.png)')
    $md.Add('')
    $md.Add('![Issue 24: each goal as Sentinel''s figure over its bound](benchmarks-goals.png)')
    $md.Add('')
    $md.Add('## Versions')
    $md.Add('')
    $md.Add('| Tool | Version |')
    $md.Add('|---|---|')
    foreach ($key in $Versions.Keys) { $md.Add("| $key | $($Versions[$key]) |") }
    $md.Add('')
    $md.Add('## Negotiated algorithms (defaults, against the lab''s OpenSSH 9.2)')
    $md.Add('')
    $md.Add('| Tool | Key exchange | Cipher | MAC |')
    $md.Add('|---|---|---|---|')
    foreach ($key in $Negotiated.Keys) { $md.Add("| $key | $($Negotiated[$key].Kex) | $($Negotiated[$key].Cipher) | $($Negotiated[$key].Mac) |") }
    $md.Add('')
    $md.Add('Fabric is Paramiko underneath and negotiates the same; parallel-ssh and Ansible run the `ssh` client and negotiate what OpenSSH does.')
    $md.Add('Sentinel reads these from `Connect-SentinelServer -Verbose`, OpenSSH from `ssh -v` (`kex: algorithm:`), Paramiko from its transport log,')
    $md.Add('AsyncSSH from its debug log. What each tool negotiates with OpenSSH 10 is in section 3. Paramiko 2.12 and AsyncSSH 2.10 have no')
    $md.Add('post-quantum key exchange (neither sntrup761 nor ML-KEM), so against every server they use curve25519.')
    $md.Add('')

    # --- 1. runbook ---
    $md.Add("## 1. The runbook case: a fresh process runs ``echo ok`` on $($hostCounts -join ', ') hosts (and $($hostCounts[0]) of OpenSSH 10)")
    $md.Add('')
    $md.Add('What a runbook does: start, connect to every host, run one command, exit. A fresh process per repetition, timed two ways:')
    $md.Add('**inside** the process, from its first line (the import of the SSH library included) to every host''s result in hand; and as a')
    $md.Add('**whole** process, from spawn to exit, by the harness (`Process.Start` to `WaitForExit`), which adds the runtime''s own start-up')
    $md.Add('and exit (for Sentinel less the second call described below). Sentinel: a fresh `pwsh -NoProfile -File bench/peers/sentinel_runbook.ps1`: `Import-Module`, then')
    $md.Add('`Invoke-SentinelCommand ''echo ok'' -ComputerName $hosts` with the default `-ThrottleLimit` (32), once with the default key')
    $md.Add('exchange and once with `-KeyExchange curve25519-sha256`. Fabric: a fresh `python3 bench/peers/runbook.py fabric`: `ThreadingGroup.run`,')
    $md.Add('one thread per host. AsyncSSH: `runbook.py asyncssh`: `asyncio.gather` of `asyncssh.connect` + `conn.run` over every host at once.')
    $md.Add('parallel-ssh (`-p 32 -i`) and Ansible (`-f 32 -m command`, at the smallest host count only) are timed around their whole command.')
    $md.Add('A host counts only when it answered `ok`; failures are counted per run. pwsh here is `dotnet pwsh.dll` (the SDK''s global tool).')
    $md.Add("The hosts are the lab's OpenSSH 9.2 fleet, and for the last table OpenSSH 10 (nspawn) listening on the same first $($hostCounts[0]) addresses.")
    foreach ($variant in $runbookVariants) {
        $tools = @(@($inside) + @($whole) | Where-Object Variant -eq $variant | ForEach-Object Tool | Select-Object -Unique)
        $sentinelInside = Get-BenchStat $inside $variant $defaultTool
        $sentinelWhole = Get-BenchStat $whole $variant $defaultTool
        $md.Add('')
        $md.Add("**$variant**")
        $md.Add('')
        $md.Add('| Tool | Key exchange | inside the process (s) | whole process (s) | reps | failures | Sentinel / tool, inside | Sentinel / tool, whole |')
        $md.Add('|---|---|---:|---:|---:|---:|---:|---:|')
        foreach ($tool in $tools) {
            $in = Get-BenchStat $inside $variant $tool
            $wh = Get-BenchStat $whole $variant $tool
            $any = if ($in) { $in } else { $wh }
            $ratioIn = if ($in -and $sentinelInside -and $tool -notlike 'Sentinel*') { Format-Ratio $sentinelInside.Median $in.Median } else { '' }
            $ratioWh = if ($wh -and $sentinelWhole -and $tool -notlike 'Sentinel*') { Format-Ratio $sentinelWhole.Median $wh.Median } else { '' }
            $md.Add("| $tool | $(& $kexOf $tool $variant) | $(Format-Spread $in) | $(Format-Spread $wh) | $($any.Reps) | $(Format-Failures $any) | $ratioIn | $ratioWh |")
        }
        foreach ($row in @(@($inside) + @($whole) | Where-Object { $_.Variant -eq $variant -and $_.Note })) { $md.Add(''); $md.Add("$($row.Tool), first error: ``$($row.Note)``") }
    }
    $md.Add('')
    $md.Add('Where the whole process''s time goes: the runtime''s start-up (spawn to the script''s first line: pwsh, or the Python interpreter),')
    $md.Add('the import of the SSH library (Sentinel: `Import-Module`; Python: `import fabric`, `import asyncssh`), the work (connections and the')
    $md.Add('command), and the exit (the script''s last line to the process gone), from the clock times each script prints and the harness''s')
    $md.Add('own. Sentinel''s last column is a second identical call in the same process, right after the first and not part of the other')
    $md.Add('columns: what the same fan-out costs once the process is warm.')
    $md.Add('')
    $md.Add('| Hosts | Tool | runtime start-up (s) | import (s) | the work (s) | exit (s) | second call, warm (s) |')
    $md.Add('|---|---|---:|---:|---:|---:|---:|')
    foreach ($variant in $runbookVariants) {
        foreach ($tool in @($imports | Where-Object Variant -eq $variant | ForEach-Object Tool)) {
            $cells = foreach ($stats in @($startups, $imports, $works, $exits, $warms)) { Format-Spread (Get-BenchStat $stats $variant $tool) }
            $md.Add("| $($variant -replace ' hosts', '') | $tool | $($cells -join ' | ') |")
        }
    }
    $md.Add('')
    # What the library adds to a process: the whole process less the bare interpreter, started in the
    # same repetitions (pwsh for Sentinel, python3 for the Python tools).
    $added = @{}
    $md.Add('What the library adds to a process: the whole process less its bare interpreter (`pwsh -NoProfile -c 1` for Sentinel,')
    $md.Add('`python3 -c pass` for Fabric and AsyncSSH), each started as a process of its own in every repetition, timed as the whole processes are.')
    $md.Add('')
    $md.Add('| Hosts | Tool | whole process (s) | bare interpreter (s) | added (s) | Sentinel / tool, added |')
    $md.Add('|---|---|---:|---:|---:|---:|')
    foreach ($variant in $runbookVariants) {
        $pwshBare = Get-BenchStat $bare $variant 'pwsh -NoProfile -c 1'
        $pythonBare = Get-BenchStat $bare $variant 'python3 -c pass'
        if (-not ($pwshBare -and $pythonBare)) { continue }
        foreach ($tool in @($defaultTool, $curveTool, 'AsyncSSH gather', 'Fabric ThreadingGroup')) {
            $wh = Get-BenchStat $whole $variant $tool
            if (-not $wh) { continue }
            $base = if ($tool -like 'Sentinel*') { $pwshBare } else { $pythonBare }
            $added["$variant|$tool"] = $wh.Median - $base.Median
        }
        foreach ($tool in @($defaultTool, $curveTool, 'AsyncSSH gather', 'Fabric ThreadingGroup')) {
            if (-not $added.ContainsKey("$variant|$tool")) { continue }
            $base = if ($tool -like 'Sentinel*') { $pwshBare } else { $pythonBare }
            $ratio = if ($tool -notlike 'Sentinel*' -and $added.ContainsKey("$variant|$defaultTool")) { Format-Ratio $added["$variant|$defaultTool"] $added["$variant|$tool"] } else { '' }
            $md.Add("| $($variant -replace ' hosts', '') | $tool | $(Format-Number (Get-BenchMedian $whole $variant $tool)) | $(Format-Number $base.Median) | $(Format-Number $added["$variant|$tool"]) | $ratio |")
        }
    }
    $md.Add('')

    # --- 2. per command ---
    $md.Add("## 2. Per command: sequential ``true`` over one open connection ($($Settings.SeqCount) commands)")
    $md.Add('')
    $md.Add('Milliseconds per command. Sentinel: `Invoke-SentinelCommand true -Session $s` in a loop; AsyncSSH: one connection,')
    $md.Add('`await conn.run(''true'')` in a loop; OpenSSH: `ssh -S socket host true` per command over a ControlMaster started beforehand;')
    $md.Add('Paramiko: one `SSHClient`, `exec_command`, read stdout and stderr, `recv_exit_status` (the replaced helper''s design); Fabric: one')
    $md.Add('`Connection`, `run(hide=True)`. Floor: `bash -c true` spawned locally from Python. Sentinel, AsyncSSH and "SSH.NET direct" (the')
    $md.Add('SSH.NET copy Sentinel ships, `SshCommand.Execute()` in a fresh pwsh by `bench/peers/sshnet_seq.ps1`) run 50 untimed commands first,')
    $md.Add('so one-time costs are not counted; the difference between Sentinel and SSH.NET direct is Sentinel''s own cost. Connection set-up')
    $md.Add('is not timed. On the server, sshd forks and runs the user''s shell for every command, which alone is about the floor.')
    $md.AddRange([string[]](Write-BenchTable $seq 'ms/command'))
    $md.Add('')

    # --- 3. key exchange ---
    $md.Add('## 3. Key exchange: a connection''s cost by algorithm')
    $md.Add('')
    $md.Add("Connect, authenticate, run ``true``, disconnect, $($Settings.KexCount) times in a row per repetition; milliseconds per connection. Sentinel runs in the")
    $md.Add("harness's own warm pwsh (module imported, each algorithm first used for $($Settings.KexWarmUp) untimed connections); its client CPU is the pwsh process's")
    $md.Add('`TotalProcessorTime` (all threads) over the connections, divided by their number. Reference rows: `ssh host true` per connection')
    $md.Add('(CPU: the ssh processes'' user + system time, `RUSAGE_CHILDREN`, which includes each ssh''s own exec and start-up), AsyncSSH and')
    $md.Add('Paramiko in one Python process (CPU: `time.process_time`). The server''s CPU is not counted. "not offered": the server does not')
    $md.Add('have that algorithm (OpenSSH 9.2 has no ML-KEM).')
    foreach ($server in @($Extra.KexServers)) {
        $md.Add('')
        $serverVersion = if ($Extra.KexServerVersions -and $Extra.KexServerVersions[$server]) { " (``$($Extra.KexServerVersions[$server])``)" } else { '' }
        $md.Add("**$server$serverVersion**")
        $md.Add('')
        $md.Add('| Client | Negotiated | wall (ms/connection) | client CPU (ms/connection) | reps | failures |')
        $md.Add('|---|---|---:|---:|---:|---:|')
        $names = @($Extra.KexNegotiated.Keys | Where-Object { $_ -like "$server|*" } | ForEach-Object { $_.Substring($server.Length + 1) })
        $ordered = @($names | Where-Object { $_ -like 'Sentinel*' } | Sort-Object { if ($_ -eq 'Sentinel (default)') { 0 } else { 1 } }, { $_ }) + @($names | Where-Object { $_ -notlike 'Sentinel*' } | Sort-Object)
        foreach ($tool in $ordered) {
            $wall = Get-BenchStat $kexWall $server $tool
            $cpuRow = Get-BenchStat $kexCpu $server $tool
            $reps = if ($wall) { $wall.Reps } else { '' }
            $md.Add("| $tool | $($Extra.KexNegotiated["$server|$tool"]) | $(Format-Spread $wall) | $(Format-Spread $cpuRow) | $reps | $(Format-Failures $wall) |")
        }
    }
    foreach ($note in @($Extra.KexNotes)) { if ($note) { $md.Add(''); $md.Add("Note: $note") } }
    $md.Add('')
    $md.Add('Where a key exchange''s client CPU goes: each primitive timed alone in a fresh pwsh by `bench/peers/kex_primitives.ps1`, with the')
    $md.Add('libraries Sentinel ships (medians over its own repetitions, milliseconds per operation).')
    $md.Add('')
    $primitiveRows = @($Extra.Primitives | Where-Object { $_ })
    if ($primitiveRows.Count) {
        $md.Add('| Primitive | Implementation | median (ms) | min | max |')
        $md.Add('|---|---|---:|---:|---:|')
        foreach ($row in $primitiveRows) { $md.Add("| $($row.primitive) | $($row.implementation) | $(Format-Number $row.ms) | $(Format-Number $row.min) | $(Format-Number $row.max) |") }
    }
    else { $md.Add("Not measured: $($Extra.PrimitivesNote)") }
    $md.Add('')

    # --- 4. memory ---
    $md.Add("## 4. Memory per idle session ($sessions sessions)")
    $md.Add('')
    $md.Add("A fresh process opens $sessions sessions over the fleet (round robin), runs ``true`` on each, and reports its peak resident set and")
    $md.Add('thread count with them all open; the baseline is the same process with the library loaded and no session (Sentinel: pwsh with')
    $md.Add('the module imported; Paramiko: python with `import paramiko`; AsyncSSH: python with `import asyncssh`, all connections in one')
    $md.Add("asyncio loop). Peak: pwsh ``PeakWorkingSet64``, Python ``VmHWM``, both the kernel's peak RSS. Per idle session = (peak with $sessions")
    $md.Add("sessions - baseline) / $sessions, from the medians. Threads: ``Threads`` in /proc/self/status.")
    $md.Add('')
    $md.Add("| Tool | peak, $sessions sessions (MiB) | peak, baseline (MiB) | per idle session (KiB) | threads, $sessions sessions | threads, baseline | reps | failures |")
    $md.Add('|---|---:|---:|---:|---:|---:|---:|---:|')
    $perSession = @{}
    foreach ($tool in @($peak | ForEach-Object Tool | Select-Object -Unique)) {
        $open = Get-BenchStat $peak "$sessions sessions" $tool
        $base = Get-BenchStat $peak 'no session (baseline)' $tool
        $cost = if ($open -and $base) { ($open.Median - $base.Median) / $sessions * 1024 } else { $null }
        $perSession[$tool] = $cost
        $costText = if ($null -ne $cost) { Format-Number $cost } else { '' }
        $md.Add("| $tool | $(Format-Spread $open) | $(Format-Spread $base) | $costText | $(Format-Spread (Get-BenchStat $threads "$sessions sessions" $tool) -Count) | $(Format-Spread (Get-BenchStat $threads 'no session (baseline)' $tool) -Count) | $(if ($open) { $open.Reps }) | $(Format-Failures $open) |")
    }
    foreach ($row in @($peak | Where-Object Note)) { $md.Add(''); $md.Add("$($row.Tool), first error: ``$($row.Note)``") }
    $md.Add('')

    # --- 5. start-up ---
    $md.Add('## 5. Start-up')
    $md.Add('')
    $md.Add('`Import-Module` of the built module, timed inside a fresh pwsh; and the wall time of a whole fresh pwsh with and without the import.')
    $md.AddRange([string[]](Write-BenchTable $import 'ms' -SentinelTool 'no-ratio'))
    $md.Add('')
    $md.Add("The first connection in a process against warm ones: a fresh pwsh imports the module (not timed), then times")
    $md.Add("``Connect-SentinelServer``, ``Invoke-SentinelCommand true``, ``Disconnect-SentinelServer`` once, and then $warmCount more times (their")
    $md.Add('median), against the lab sshd (`bench/peers/sentinel_startup.ps1`). The difference is what a runbook pays once per process.')
    $md.Add('')
    $md.Add("| Key exchange | first (ms) | warm, median of $warmCount (ms) | first / warm | reps | failures |")
    $md.Add('|---|---:|---:|---:|---:|---:|')
    $firstRatios = @{}
    foreach ($variant in @($first | ForEach-Object Variant | Select-Object -Unique)) {
        $f = Get-BenchStat $first $variant 'first'
        $w = Get-BenchStat $first $variant "warm (median of $warmCount)"
        if (-not ($f -and $w)) { continue }
        $firstRatios[$variant] = @($f, $w)
        $label = if ($variant -eq $defaultTool) { "default ($($Negotiated['Sentinel'].Kex))" } else { $variant -replace '^Sentinel ', '' }
        $md.Add("| $label | $(Format-Spread $f) | $(Format-Spread $w) | $(Format-Ratio $f.Median $w.Median) | $($f.Reps) | $(Format-Failures $f) |")
    }
    $md.Add('')

    # --- 6. throughput ---
    $md.Add("## 6. Throughput: $($Settings.Bytes / 1MB) MiB on stdout")
    $md.Add('')
    $md.Add("MiB/s for ``head -c $($Settings.Bytes)`` of a base64 text file, received in full and checked against its SHA-256 (after the clock")
    $md.Add('stops). Connection set-up is not timed: Sentinel and Paramiko reuse an open connection, OpenSSH runs through a ControlMaster started')
    $md.Add('with `-c CIPHER`. Sentinel (a session opened with `-Cipher`) and OpenSSH are measured with every cipher both offer by')
    $md.Add('default; Paramiko with its own default. Paramiko 2.12 has neither chacha20-poly1305 nor AES-GCM. Sentinel''s result holds')
    $md.Add("the output as a .NET string (UTF-16: twice the text's size) besides the bytes received, where the OpenSSH peer keeps")
    $md.Add('the bytes. How fast a fresh page can be written on this machine is measured below the table; where it is slow, the')
    $md.Add('spread of Sentinel''s rows comes from memory, not from SSH. SSH.NET also grants the server a 2 GiB channel window (OpenSSH''s')
    $md.Add('client and Paramiko grant 2 MiB), so when the client falls behind, nothing makes sshd wait: it keeps reading the output and queueing it.')
    $md.AddRange([string[]](Write-BenchTable $tp 'MiB/s' -HigherIsBetter))
    $md.Add('')
    $md.Add('What writing memory costs on this machine, in a fresh pwsh: one 512 MiB array written twice. The first write also')
    $md.Add('takes each page from the system; a process that keeps a large output pays that rate for every byte it keeps.')
    $md.AddRange([string[]](Write-BenchTable $touch 'MiB/s' -SentinelTool 'no-ratio'))
    $md.Add('')

    # --- 7. concurrent ---
    $md.Add("## 7. $($Settings.Concurrent) concurrent commands on one connection")
    $md.Add('')
    $md.Add("Wall seconds. Sentinel: $($Settings.Concurrent) PowerShell instances on an already-open runspace pool, each ``Invoke-SentinelCommand true -Session `$s`` on")
    $md.Add("the same session; OpenSSH: $($Settings.Concurrent) ``ssh -S socket host true`` started at once on one ControlMaster. The lab sshd has ``MaxSessions 10``.")
    $md.AddRange([string[]](Write-BenchTable $conc 's'))
    $md.Add('')

    # --- goals of issue 24, from this run and the files and fan-out runs it started ---
    $yes = { param($ok) if ($ok) { 'yes' } else { '**no**' } }
    $ratioText = { param($a, $b, [string]$unit) "$(Format-Number $a) $unit vs $(Format-Number $b) $unit = $('{0:N2}' -f ($a / $b))x" }
    # Each goal row also goes to the chart as a score: Sentinel's figure over the goal's bound, so at most 1 is met.
    $goalScores = [System.Collections.Generic.List[object]]::new()
    $addGoal = {
        param([string]$Goal, [string]$Measured, [double]$Score, [string]$Short)
        $md.Add("| $Goal | $Measured | $(& $yes ($Score -le 1)) |")
        $goalScores.Add(@{ Label = $Short; Score = $Score })
    }
    $benchOut = Join-Path $PSScriptRoot '../out/bench'
    $readJson = { param([string]$Name) $path = Join-Path $benchOut $Name; if (Test-Path $path) { Get-Content $path -Raw | ConvertFrom-Json -AsHashtable } }
    $files = & $readJson 'files.json'
    $fanOut = & $readJson 'fanout.json'
    $fileSeconds = { param([string]$Row, [string]$Tool) if ($files) { Get-Median @($files.results | Where-Object { $_.Row -eq $Row -and $_.Tool -eq $Tool } | ForEach-Object { $_.Seconds }) } }
    $md.Add('## Goals (issue 24)')
    $md.Add('')
    $md.Add("From this run: sections 1 to 7 above, and the files and fan-out sections below, which this run started$(if ($files) { " ($($files.date))" })$(if ($fanOut) { " and ($($fanOut.date))" }).")
    $md.Add('The chart''s last panel shows each goal as Sentinel''s figure over the goal''s bound: at most 1 is met.')
    $md.Add('')
    $md.Add('| Goal | Measured (medians) | Met |')
    $md.Add('|---|---|---|')
    foreach ($variant in $runbookVariants) {
        $s = Get-BenchStat $inside $variant $defaultTool
        $best = @($inside | Where-Object { $_.Variant -eq $variant -and $_.Tool -notlike 'Sentinel*' } | Sort-Object Median) | Select-Object -First 1
        if ($s -and $best -and $variant -like "$($hostCounts[0]) hosts*") {
            $server = if ($variant -like '*OpenSSH 10') { 'OpenSSH 10' } else { 'OpenSSH 9.2' }
            & $addGoal "1. First call in a fresh process, $($hostCounts[0]) hosts of $server, default key exchange ($(& $kexOf $defaultTool $variant)), inside the process <= 1.0x the fastest peer ($($best.Tool))" (& $ratioText $s.Median $best.Median 's') ($s.Median / $best.Median) "1. first call, $server"
        }
    }
    foreach ($variant in $firstRatios.Keys | Sort-Object { $_.Length }) {
        $f, $w = $firstRatios[$variant]
        & $addGoal "1. First connection in a process <= 1.3x a warm one ($variant)" (& $ratioText $f.Median $w.Median 'ms') ($f.Median / $w.Median / 1.3) "1. first/warm$(if ($variant -ne $defaultTool) { ', curve25519' })"
    }
    foreach ($variant in $runbookVariants) {
        $mine = $added["$variant|$defaultTool"]; $theirs = $added["$variant|AsyncSSH gather"]
        if ($null -ne $mine -and $theirs) {
            & $addGoal "2. What the module adds to a process (whole process less the bare interpreter), $variant`: Sentinel <= 1.0x AsyncSSH" (& $ratioText $mine $theirs 's') ($mine / $theirs) "2. added, $variant"
        }
    }
    $imp = Get-BenchStat $import 'Import-Module' 'Sentinel'
    if ($imp) { & $addGoal '2. Import-Module < 150 ms' "$(Format-Number $imp.Median) ms" ($imp.Median / 150) '2. Import-Module' }
    foreach ($s4 in @($tp | Where-Object Tool -eq 'Sentinel')) {
        $same = $tp | Where-Object { $_.Tool -like 'OpenSSH*' -and $_.Variant -eq $s4.Variant } | Select-Object -First 1
        if ($same) { & $addGoal "3. Throughput, $($Settings.Bytes / 1MB) MiB of stdout, $($s4.Variant): >= 0.9x OpenSSH" "$(Format-Number $s4.Median) vs $(Format-Number $same.Median) MiB/s = $('{0:N2}' -f ($s4.Median / $same.Median))x" (0.9 * $same.Median / $s4.Median) "3. stdout, $($s4.Variant -replace '@openssh\.com', '')" }
    }
    if ($files) {
        foreach ($direction in 'upload', 'download') {
            foreach ($cipher in @($files.ciphers)) {
                $row = if ($cipher -eq $files.ciphers[0]) { "$direction 1 x 256 MiB" } else { "$direction 1 x 256 MiB, $cipher" }
                $mine = & $fileSeconds $row 'Sentinel'
                $openssh = @(@('OpenSSH scp', 'OpenSSH sftp -b') | ForEach-Object { & $fileSeconds $row $_ } | Where-Object { $_ } | Sort-Object) | Select-Object -First 1
                if ($mine -and $openssh) {
                    & $addGoal "3. Throughput, $direction 256 MiB, $cipher`: >= 0.9x OpenSSH (the faster of scp and sftp -b)" "$(Format-Number (256 / $mine)) vs $(Format-Number (256 / $openssh)) MiB/s = $('{0:N2}' -f ($openssh / $mine))x" (0.9 * $mine / $openssh) "3. $direction, $($cipher -replace '@openssh\.com', '')"
                }
            }
        }
        foreach ($direction in 'upload', 'download') {
            $row = "$direction 1,000 x 4 KiB"
            $mine = & $fileSeconds $row 'Sentinel'
            $peers = @(@('OpenSSH scp', 'OpenSSH sftp -b', 'AsyncSSH SFTP') | ForEach-Object { $t = $_; $v = & $fileSeconds $row $t; if ($v) { [pscustomobject]@{ Tool = $t; Seconds = $v } } } | Sort-Object Seconds)
            if ($mine -and $peers) {
                & $addGoal "4. $row`: <= 1.2x the fastest of scp, sftp -b and AsyncSSH ($($peers[0].Tool))" (& $ratioText $mine $peers[0].Seconds 's') ($mine / $peers[0].Seconds / 1.2) "4. $direction 1,000 x 4 KiB"
            }
        }
    }
    $sentinelSession = $perSession['Sentinel (pwsh)']; $paramikoSession = $perSession['Paramiko (python)']
    if ($null -ne $sentinelSession -and $paramikoSession -gt 0) {
        & $addGoal "5. Memory per idle session <= Paramiko's" (& $ratioText $sentinelSession $paramikoSession 'KiB') ($sentinelSession / $paramikoSession) '5. idle session memory'
    }
    if ($fanOut) {
        $largest = ($fanOut.hosts | Measure-Object -Maximum).Maximum
        $fanRows = { param([string]$Tool, [int]$Count) @($fanOut.results | Where-Object { $_.Tool -eq $Tool -and $_.Hosts -eq $Count }) }
        $mine = & $fanRows 'Sentinel' $largest; $theirs = & $fanRows 'AsyncSSH (no connect_timeout)' $largest
        if ($mine -and $theirs) {
            $ms = Get-Median $mine.Seconds; $ts = Get-Median $theirs.Seconds
            $mp = Get-Median $mine.PeakMiB; $tpk = Get-Median $theirs.PeakMiB
            $lost = ($mine | Measure-Object Lost -Maximum).Maximum
            & $addGoal "6. The runbook case at $('{0:N0}' -f $largest) hosts, inside the process: <= 1.0x AsyncSSH (both 32 at once)" (& $ratioText $ms $ts 's') ($ms / $ts) "6. $largest hosts, time"
            & $addGoal "6. The runbook case at $('{0:N0}' -f $largest) hosts: peak memory <= 1.5x AsyncSSH's" (& $ratioText $mp $tpk 'MiB') ($mp / $tpk / 1.5) "6. $largest hosts, peak memory"
            $md.Add("| 6. The runbook case at $('{0:N0}' -f $largest) hosts: no host lost | $lost lost, most in a repetition | $(& $yes ($lost -eq 0)) |")
        }
    }
    $md.Add('')
    if ($fanOut) {
        # The cost per host as the fleet grows, and what that makes of a runner.
        $md.Add("**The cost per host** (bench/Invoke-FanOutBench.ps1, $($fanOut.repetitions) repetition$(if ($fanOut.repetitions -ne 1) { 's' }), medians; ``echo ok`` at 32 connections at once, the import apart):")
        $md.Add('')
        $md.Add('CPU is each client''s over the fan-out (all threads, the import apart); JIT is the time the .NET JIT compiler took in Sentinel''s')
        $md.Add('(`JitInfo`, on every thread). Peak memory is the process''s VmHWM; in brackets, how much of it came after the import (the peak')
        $md.Add('less the resident set right after it).')
        $md.Add('')
        $md.Add('| Hosts | Sentinel (s) | per host (ms) | CPU per host (ms) | of it JIT (s) | peak (MiB) | AsyncSSH (s) | per host (ms) | CPU per host (ms) | peak (MiB) | Sentinel / AsyncSSH, time |')
        $md.Add('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
        $peakText = {
            param($Rows)
            $peakMedian = Get-Median $Rows.PeakMiB
            $after = Get-Median @($Rows | Where-Object { $null -ne $_.PeakMiB -and $null -ne $_.ImportRssMiB } | ForEach-Object { $_.PeakMiB - $_.ImportRssMiB })
            if ($null -eq $peakMedian) { '' } elseif ($null -eq $after) { Format-Number $peakMedian } else { "$(Format-Number $peakMedian) ($(Format-Number $after))" }
        }
        $cpuPerHost = { param($Rows, [int]$Count) $cpu = Get-Median @($Rows | ForEach-Object { $_['CpuSeconds'] }); if ($null -eq $cpu) { '' } else { Format-Number ($cpu / $Count * 1000) } }
        foreach ($count in @($fanOut.hosts)) {
            $mine = & $fanRows 'Sentinel' $count; $theirs = & $fanRows 'AsyncSSH (no connect_timeout)' $count
            $ms = Get-Median $mine.Seconds; $ts = Get-Median $theirs.Seconds
            if ($null -eq $ms -or $null -eq $ts) { continue }
            $jit = Get-Median @($mine | ForEach-Object { $_['JitSeconds'] })
            $md.Add("| $('{0:N0}' -f $count) | $(Format-Number $ms) | $(Format-Number ($ms / $count * 1000)) | $(& $cpuPerHost $mine $count) | $(if ($null -ne $jit) { Format-Number $jit }) | $(& $peakText $mine) | $(Format-Number $ts) | $(Format-Number ($ts / $count * 1000)) | $(& $cpuPerHost $theirs $count) | $(& $peakText $theirs) | $(Format-Ratio $ms $ts) |")
        }
        $md.Add('')
        $ms = Get-Median (& $fanRows 'Sentinel' $largest).Seconds
        $overheadParts = foreach ($stats in @($startups, $imports, $exits)) { Get-BenchMedian $stats "$($hostCounts[0]) hosts" $defaultTool }
        if ($null -ne $ms -and @($overheadParts | Where-Object { $null -ne $_ }).Count -eq 3) {
            $overhead = ($overheadParts | Measure-Object -Sum).Sum
            $shardSeconds = $ms + $overhead
            $perMinute = $largest / $shardSeconds * 60
            $md.Add("**A runner, from these figures.** One process per shard of $('{0:N0}' -f $largest) hosts: $(Format-Number $ms) s of work plus $(Format-Number $overhead) s of pwsh start, import and exit")
            $md.Add("(section 1's breakdown at $($hostCounts[0]) hosts) is $(Format-Number $shardSeconds) s, so one $cores-core runner handles about $('{0:N0}' -f $perMinute) hosts a minute. Here the")
            $md.Add('servers share the runner''s cores (every host is this machine''s sshd), so a runner whose hosts are elsewhere does at least this.')
            $md.Add('A 50,000-host fleet split with `-Shard Auto` (k/n: a Kubernetes Indexed Job or GitLab `parallel:`, README "Shards: one fleet, many runners") needs:')
            $md.Add('')
            $md.Add('| To finish within | Runners (n) | Hosts per runner |')
            $md.Add('|---|---:|---:|')
            foreach ($minutes in 1, 5, 15) {
                # Whole shards of the measured size at most; a runner's share must fit the window.
                $runners = [int][Math]::Ceiling(50000 / ($perMinute * $minutes))
                $md.Add("| $minutes minute$(if ($minutes -gt 1) { 's' }) | $('{0:N0}' -f $runners) | $('{0:N0}' -f [Math]::Ceiling(50000 / $runners)) |")
            }
            $md.Add('')
            $md.Add("Peak memory at $('{0:N0}' -f $largest) hosts was $(Format-Number (Get-Median (& $fanRows 'Sentinel' $largest).PeakMiB)) MiB, so memory does not bound a runner's share before time does.")
            $md.Add('')
        }
    }
    $md.Add('## Earlier goals (issue 16 and before)')
    $md.Add('')
    $md.Add('Those issue 24 restates (memory, import, first connection) are in the table above.')
    $md.Add('')
    $md.Add('| Goal | Measured (medians) | Met |')
    $md.Add('|---|---|---|')
    foreach ($hostCount in $hostCounts) {
        $variant = "$hostCount hosts"
        $peersInside = @($inside | Where-Object { $_.Variant -eq $variant -and $_.Tool -notlike 'Sentinel*' } | Sort-Object Median)
        $pythonWhole = @($whole | Where-Object { $_.Variant -eq $variant -and $_.Tool -in @($peersInside.Tool) } | Sort-Object Median)
        foreach ($goal in @(@{ Tool = $curveTool; Limit = 1.0 }, @{ Tool = $defaultTool; Limit = 1.2 })) {
            $s = Get-BenchStat $inside $variant $goal.Tool
            if ($s -and $peersInside) {
                $best = $peersInside[0]
                $kexName = if ($goal.Tool -eq $defaultTool) { " ($(& $kexOf $goal.Tool))" } else { '' }
                $md.Add("| Runbook, $variant`: $($goal.Tool)$kexName inside the process <= $('{0:N1}' -f $goal.Limit)x the fastest peer ($($best.Tool), $(& $kexOf $best.Tool)) | $(& $ratioText $s.Median $best.Median 's') | $(& $yes ($s.Median -le $goal.Limit * $best.Median)) |")
            }
        }
        foreach ($tool in @($defaultTool, $curveTool)) {
            $s = Get-BenchStat $whole $variant $tool
            if ($s -and $pythonWhole) {
                $best = $pythonWhole[0]
                $md.Add("| Runbook, $variant`: $tool whole process <= 1.3x the fastest whole Python process ($($best.Tool)) | $(& $ratioText $s.Median $best.Median 's') | $(& $yes ($s.Median -le 1.3 * $best.Median)) |")
            }
        }
    }
    $s1 = Get-BenchStat $seq '*' 'Sentinel (one session)'
    $async = Get-BenchStat $seq '*' 'AsyncSSH (one connection)'
    if ($s1 -and $async) { $md.Add("| Sentinel per command <= 1.0x AsyncSSH (one connection) | $(& $ratioText $s1.Median $async.Median 'ms') | $(& $yes ($s1.Median -le $async.Median)) |") }
    $floor = Get-BenchStat $seq '*' 'local bash -c true (floor)'; $cm = Get-BenchStat $seq '*' 'OpenSSH ControlMaster'
    if ($s1 -and $floor) { $md.Add("| Sentinel per command <= 2x the local ``bash -c true`` floor | $(& $ratioText $s1.Median $floor.Median 'ms') | $(& $yes ($s1.Median -le 2 * $floor.Median)) |") }
    if ($s1 -and $cm) { $md.Add("| Sentinel per command <= 0.5x OpenSSH ControlMaster | $(& $ratioText $s1.Median $cm.Median 'ms') | $(& $yes ($s1.Median -le 0.5 * $cm.Median)) |") }
    foreach ($s4 in @($tp | Where-Object Tool -eq 'Sentinel')) {
        $same = $tp | Where-Object { $_.Tool -like 'OpenSSH*' -and $_.Variant -eq $s4.Variant } | Select-Object -First 1
        if ($same) { $md.Add("| Sentinel throughput >= 0.7x OpenSSH with the same cipher ($($s4.Variant)) | $(Format-Number $s4.Median) vs $(Format-Number $same.Median) MiB/s = $('{0:N2}' -f ($s4.Median / $same.Median))x | $(& $yes ($s4.Median -ge 0.7 * $same.Median)) |") }
    }
    $failed = @($Results | Where-Object Failures -gt 0)
    $md.Add('')
    if ($failed) { $md.Add("Runs with failed commands, hosts that did not answer, or unverified output: $($failed.Count) (see the failures columns).") }
    else { $md.Add('Every command in every run succeeded, every host answered, and every throughput run''s checksum matched.') }
    $md.Add('')
    $md.Add('## Reproduce')
    $md.Add('')
    $md.Add('As root on Debian 12, with the .NET 10 SDK:')
    $md.Add('')
    $md.Add('```sh')
    $md.Add('dotnet tool restore && dotnet pwsh ./build.ps1 -Task Bench          # full: 15, 50 and 100 hosts, 200 commands, 300 MiB, every cipher, files, 1,000 hosts')
    $md.Add('dotnet tool restore && dotnet pwsh ./build.ps1 -Task Bench -Quick   # 15 and 50 hosts, fewer repetitions, 50 commands; the same sizes and 1,000 hosts once')
    $md.Add('```')
    $md.Add('')
    $md.Add('The harness installs the peers from Debian when missing (`openssh-client`, `python3-paramiko`, `python3-fabric`, `python3-asyncssh`,')
    $md.Add('`pssh`, `ansible-core`, `gnuplot-nox`), starts the lab sshd instances and OpenSSH 10 (tests/lab/SentinelRealLab.psm1: a Debian trixie')
    $md.Add('root filesystem cached in /var/cache/sentinel-lab, built on first use), and stops them by PID at the end.')
    $md.Add('`bench/Invoke-SentinelBench.ps1 -ModulePath <manifest> -FromResults out/bench/results.json` re-writes this report from a run''s measurements.')

    # The files and fan-out sections belong to Invoke-FileBench.ps1 and Invoke-FanOutBench.ps1: kept
    # byte for byte, from the first of their start markers on.
    $mdPath = Join-Path $OutputDirectory 'benchmarks.md'
    $existing = if (Test-Path $mdPath) { Get-Content $mdPath -Raw } else { '' }
    $keptAt = @('<!-- files-bench:start -->', '<!-- fanout-bench:start -->' | ForEach-Object { $existing.IndexOf($_) } | Where-Object { $_ -ge 0 } | Sort-Object) | Select-Object -First 1
    $text = ($md -join "`n") + "`n"
    if ($null -ne $keptAt) { $text += "`n" + $existing.Substring($keptAt) }
    Set-Content -Path $mdPath -Value $text -NoNewline
    Write-Host "`nWrote $mdPath"

    # --- chart: the runbook case first ---
    $panels = [System.Collections.Generic.List[object]]::new()
    foreach ($variant in $runbookVariants) {
        $tools = @(@($inside) + @($whole) | Where-Object Variant -eq $variant | ForEach-Object Tool | Select-Object -Unique)
        $panels.Add(@{ Title = "1. Runbook: fresh process, echo ok on $variant"; Unit = 'seconds'; Series = @('inside the process', 'whole process')
                Rows = @($tools | ForEach-Object { @{ Label = ($_ -replace ' -KeyExchange ', ' '); Values = @((Get-BenchMedian $inside $variant $_), (Get-BenchMedian $whole $variant $_)) } }) })
    }
    $panels.Add(@{ Title = "2. Per command, $($Settings.SeqCount) x true on one connection"; Unit = 'ms per command'; Series = @('median')
            Rows = @($seq | ForEach-Object { @{ Label = $_.Tool; Values = @($_.Median) } }) })
    $kexTools = @($kexCpu | ForEach-Object Tool | Select-Object -Unique)
    $panels.Add(@{ Title = '3. Key exchange: client CPU per connection'; Unit = 'CPU ms per connection'; Series = @($Extra.KexServers)
            Rows = @($kexTools | ForEach-Object { $t = $_; @{ Label = ($t -replace 'Sentinel -KeyExchange ', 'Sentinel ' -replace ' -o KexAlgorithms=', ' '); Values = @(@($Extra.KexServers) | ForEach-Object { Get-BenchMedian $kexCpu $_ $t }) } }) })
    $panels.Add(@{ Title = "4. Memory per idle session ($sessions sessions)"; Unit = 'KiB per session'; Series = @('per session')
            Rows = @($perSession.Keys | Sort-Object { $_ -notlike 'Sentinel*' }, { $_ } | ForEach-Object { @{ Label = $_; Values = @($perSession[$_]) } }) })
    $png = Join-Path $OutputDirectory 'benchmarks.png'
    Write-BenchChart -Panels $panels -Path $png -Title "Sentinel vs peers, medians ($cores cores, $date$(if ($Quick) { ', -Quick' }))"
    Write-Host "Wrote $png"
    if ($goalScores.Count) {
        $goalsPng = Join-Path $OutputDirectory 'benchmarks-goals.png'
        $goalPanel = @{ Title = 'Issue 24: Sentinel''s figure over the goal''s bound (at most 1: met)'; Unit = 'figure / bound'; Series = @('figure / bound'); Line = 1
            Rows = @($goalScores | ForEach-Object { @{ Label = $_.Label; Values = @($_.Score) } }) }
        Write-BenchChart -Panels @($goalPanel) -Path $goalsPng -Title "Issue 24 goals ($cores cores, $date$(if ($Quick) { ', -Quick' }))" -Columns 1
        Write-Host "Wrote $goalsPng"
    }
}
