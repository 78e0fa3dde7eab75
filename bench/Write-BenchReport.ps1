# Turns the harness's measurements into docs/benchmarks.md and docs/benchmarks.png (gnuplot).
# Dot-sourced by Invoke-SentinelBench.ps1.

function Get-BenchStats {
    param($Results, [string]$Scenario)
    # Sentinel first, then the peers in the order they were run.
    $Results | Where-Object Scenario -eq $Scenario | Group-Object Variant, Tool |
        Sort-Object { $_.Group[0].Variant }, { if ($_.Group[0].Tool -like 'Sentinel*') { 0 } else { 1 } } | ForEach-Object {
        $values = [double[]]@($_.Group.Value)
        $sorted = @($values | Sort-Object)
        $n = $sorted.Count
        $median = if ($n % 2) { $sorted[[int][Math]::Floor($n / 2)] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
        [pscustomobject]@{
            Variant  = $_.Group[0].Variant
            Tool     = $_.Group[0].Tool
            Median   = $median
            Min      = $sorted[0]
            Max      = $sorted[-1]
            Reps     = $n
            Failures = ($_.Group | Measure-Object Failures -Sum).Sum
            Note     = @($_.Group.Note | Where-Object { $_ }) | Select-Object -First 1
        }
    }
}

function Format-Number([double]$Value) {
    if ($Value -ge 100) { '{0:N0}' -f $Value } elseif ($Value -ge 10) { '{0:N1}' -f $Value } else { '{0:N2}' -f $Value }
}

function Write-BenchTable {
    # One table: a row per tool with median/min/max, and Sentinel's ratio to it (Sentinel / tool).
    param($Stats, [string]$Unit, [string]$SentinelTool = 'Sentinel*', [switch]$HigherIsBetter)
    $lines = [System.Collections.Generic.List[string]]::new()
    foreach ($group in ($Stats | Group-Object Variant)) {
        # With several Sentinel rows (fan-out with a named key exchange), ratios are to the default one: the shortest name.
        $sentinel = $group.Group | Where-Object Tool -like $SentinelTool | Sort-Object { $_.Tool.Length } | Select-Object -First 1
        $lines.Add('')
        $lines.Add("**$($group.Name)**")
        $lines.Add('')
        $ratioHead = if ($HigherIsBetter) { 'Sentinel / tool (higher: Sentinel faster)' } else { 'Sentinel / tool (lower: Sentinel faster)' }
        $lines.Add("| Tool | median ($Unit) | min | max | reps | failures | $ratioHead |")
        $lines.Add('|---|---:|---:|---:|---:|---:|---:|')
        foreach ($row in $group.Group) {
            $ratio = if ($sentinel -and $row.Tool -notlike $SentinelTool -and $row.Median -gt 0) { '{0:N2}x' -f ($sentinel.Median / $row.Median) } else { '' }
            $fail = if ($row.Failures) { "**$($row.Failures)**" } else { '0' }
            $lines.Add("| $($row.Tool) | $(Format-Number $row.Median) | $(Format-Number $row.Min) | $(Format-Number $row.Max) | $($row.Reps) | $fail | $ratio |")
        }
        $notes = @($group.Group | Where-Object Note)
        foreach ($row in $notes) { $lines.Add(''); $lines.Add("$($row.Tool), first error: ``$($row.Note)``") }
    }
    $lines
}

function Write-BenchChart {
    param($Panels, [string]$Path, [string]$Title)
    $dir = Join-Path ([IO.Path]::GetTempPath()) "sentinel-bench-chart-$PID"
    New-Item -ItemType Directory -Path $dir -Force | Out-Null
    try {
        $plot = [System.Collections.Generic.List[string]]::new()
        $plot.Add("set terminal pngcairo size 1500,1000 font 'sans,9'")
        $plot.Add("set output '$Path'")
        $plot.Add("set multiplot layout 2,3 title '$Title'")
        $plot.Add('set style fill solid 0.8 border -1')
        $plot.Add('set boxwidth 0.6')
        $plot.Add('set xtics rotate by 30 right')
        $plot.Add('set yrange [0:*]')
        $plot.Add('set grid ytics')
        $plot.Add('set bmargin 8')
        $plot.Add('set lmargin 12')
        $i = 0
        foreach ($panel in $Panels) {
            $file = Join-Path $dir "panel$i.dat"
            $rows = foreach ($row in $panel.Rows) { '"{0}" {1} {2}' -f ($row.Tool -replace '"', '' -replace '@openssh\.com', '' -replace ' \((pwsh|python) process\)', ''), $row.Median.ToString([cultureinfo]::InvariantCulture), $(if ($row.Tool -like 'Sentinel*') { 1 } else { 2 }) }
            Set-Content -Path $file -Value $rows
            $plot.Add("set title '$($panel.Title)'")
            $plot.Add("set ylabel '$($panel.Unit)'")
            $plot.Add("plot '$file' using 0:2:3:xtic(1) with boxes lc variable notitle, '' using 0:2:(sprintf('%.3g', `$2)) with labels offset 0,0.7 notitle")
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
    param($Results, $Negotiated, $Versions, $Settings, [switch]$Quick, [TimeSpan]$Elapsed, [string]$OutputDirectory, $Ciphers)
    New-Item -ItemType Directory -Path $OutputDirectory -Force | Out-Null
    $md = [System.Collections.Generic.List[string]]::new()
    $cores = (& nproc).Trim()
    $memKb = [long](((Get-Content /proc/meminfo | Select-String '^MemTotal:').Line -split '\s+')[1])
    $cpu = ((Get-Content /proc/cpuinfo | Select-String '^model name' | Select-Object -First 1).Line -split ':\s*', 2)[1]
    $mode = if ($Quick) { 'Quick (`-Quick`: fewer repetitions, smaller sizes)' } else { 'Full' }
    $date = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm') + ' UTC'

    $seq = @(Get-BenchStats $Results 'seq')
    $cold = @(Get-BenchStats $Results 'cold')
    $fan = @(Get-BenchStats $Results 'fanout')
    $tp = @(Get-BenchStats $Results 'throughput')
    $touch = @(Get-BenchStats $Results 'memory-touch')
    $conc = @(Get-BenchStats $Results 'concurrent')
    $import = @(Get-BenchStats $Results 'import')
    $memory = @(Get-BenchStats $Results 'memory')

    $md.Add('# Sentinel benchmarks')
    $md.Add('')
    $md.Add("Generated by ``bench/Invoke-SentinelBench.ps1`` ($mode) on $date; the run took $([int]$Elapsed.TotalMinutes) min $($Elapsed.Seconds) s.")
    $md.Add("Machine: $cores cores ($cpu), $([Math]::Round($memKb / 1MB, 1)) GiB memory, $(& uname -sr). Every tool talks to the same lab")
    $md.Add('OpenSSH sshd on loopback (127.0.0.1 for one host; 127.0.0.2 and up for the fleet), with the lab''s ed25519 key, one')
    $md.Add('`known_hosts` file made by `ssh-keyscan`, and strict host-key checking (OpenSSH, pssh and Ansible:')
    $md.Add('`StrictHostKeyChecking=yes`; Paramiko and Fabric: `load_host_keys` + `RejectPolicy`; Sentinel: `-HostKeyPolicy Strict`).')
    $md.Add('Everything else is each tool''s default. Client and server share the same cores, so these numbers are CPU-bound')
    $md.Add('and say how the tools compare here, not what a network would give.')
    $md.Add('')
    $md.Add("Repetitions: $($Settings.Reps) per scenario (fan-out: $($Settings.FanOutReps); import: $($Settings.ImportReps); memory: $([Math]::Min($Settings.Reps, 3))); tools alternate within each repetition and the first tool rotates.")
    $md.Add('Ratios are Sentinel''s median divided by the tool''s median.')
    $md.Add('')
    $md.Add('![Medians per scenario](benchmarks.png)')
    $md.Add('')
    $md.Add('## Versions')
    $md.Add('')
    $md.Add('| Tool | Version |')
    $md.Add('|---|---|')
    foreach ($key in $Versions.Keys) { $md.Add("| $key | $($Versions[$key]) |") }
    $md.Add('')
    $md.Add('## Negotiated algorithms (defaults)')
    $md.Add('')
    $md.Add('| Tool | Key exchange | Cipher | MAC |')
    $md.Add('|---|---|---|---|')
    foreach ($key in $Negotiated.Keys) { $md.Add("| $key | $($Negotiated[$key].Kex) | $($Negotiated[$key].Cipher) | $($Negotiated[$key].Mac) |") }
    $md.Add('')
    $md.Add('Fabric is Paramiko underneath and negotiates the same; parallel-ssh and Ansible run the `ssh` client and negotiate what OpenSSH does.')
    $md.Add('Sentinel reads these from `Connect-SentinelServer -Verbose`, OpenSSH from `ssh -v` (`kex: algorithm:`), Paramiko from its transport log.')
    $md.Add('')
    $md.Add('## How each tool is timed')
    $md.Add('')
    $md.Add('- Sentinel: `Stopwatch` inside one long-lived pwsh with the built module imported once (pwsh start-up not counted), except')
    $md.Add('  the import scenario, which starts a fresh pwsh per repetition.')
    $md.Add('- OpenSSH, Paramiko, Fabric: `time.perf_counter` around the inner loop inside the peer script (bench/peers); Python start-up and')
    $md.Add('  imports are not counted. For OpenSSH the loop spawns one `ssh` process per command, as a shell script would.')
    $md.Add('- parallel-ssh and Ansible (fan-out): `time.perf_counter` around the whole command-line run, so their start-up counts, as a user')
    $md.Add('  waiting at the prompt sees it. Sentinel''s fan-out number does not include a pwsh start-up (about the "pwsh start alone" row below).')
    $md.Add('')

    $md.Add("## 1. Sequential ``true`` over one open connection ($($Settings.SeqCount) commands)")
    $md.Add('')
    $md.Add('Milliseconds per command. Sentinel: `Invoke-SentinelCommand true -Session $s` in a loop; OpenSSH: `ssh -S socket host true` per command over a')
    $md.Add('ControlMaster started beforehand; Paramiko: one `SSHClient`, `exec_command`, read stdout and stderr, `recv_exit_status` (the replaced')
    $md.Add('helper''s design); Fabric: one `Connection`, `run(hide=True)`. Floor: `bash -c true` spawned locally from Python. Sentinel and')
    $md.Add('"SSH.NET direct" (the SSH.NET copy Sentinel ships, `SshCommand.Execute()` in a fresh pwsh by `bench/peers/sshnet_seq.ps1`) run 50')
    $md.Add('untimed commands first, so the runtime''s one-time compilation is not counted; the difference between the two is Sentinel''s own cost.')
    $md.Add('On the server, sshd forks and runs the user''s shell for every command, which alone is about the floor.')
    $md.AddRange([string[]](Write-BenchTable $seq 'ms/command'))
    $md.Add('')
    $md.Add("## 2. Cold: connect, authenticate, run one command, disconnect ($($Settings.ColdCount) times)")
    $md.Add('')
    $md.Add('Milliseconds per connection. Sentinel: `Connect-SentinelServer`, `Invoke-SentinelCommand`, `Disconnect-SentinelServer`; OpenSSH: one `ssh host true`.')
    $md.AddRange([string[]](Write-BenchTable $cold 'ms/connection'))
    $md.Add('')
    $md.Add("## 3. Fan-out: ``true`` on many loopback hosts, 32 at a time")
    $md.Add('')
    $md.Add('Wall seconds for the whole fan-out. Sentinel: `Invoke-SentinelCommand -ComputerName $hosts -ThrottleLimit 32`; `parallel-ssh -p 32`;')
    $md.Add('`ansible all -f 32 -m command` (default ssh_args with ControlPersist; a fresh control directory per run, so nothing is reused);')
    $md.Add('Fabric `ThreadingGroup` (one thread per host: it has no pool-size setting). "Sentinel -KeyExchange curve25519-sha256" is the same')
    $md.Add('fan-out with the key exchange Paramiko negotiates named explicitly, instead of the post-quantum sntrup761 hybrid Sentinel and OpenSSH')
    $md.Add('choose by default, which costs more CPU on both ends of every connection.')
    $md.AddRange([string[]](Write-BenchTable $fan 's'))
    $md.Add('')
    $md.Add("## 4. Throughput: $($Settings.Bytes / 1MB) MiB on stdout")
    $md.Add('')
    $md.Add("MiB/s for ``head -c $($Settings.Bytes)`` of a base64 text file, received in full and checked against its SHA-256 (after the clock")
    $md.Add('stops). Connection set-up is not timed: Sentinel and Paramiko reuse an open connection, OpenSSH runs through a ControlMaster started')
    $md.Add('with `-c CIPHER`. Sentinel (a session opened with `-Cipher`) and OpenSSH are measured with each cipher some tool negotiates by')
    $md.Add('default, plus aes256-gcm and chacha20-poly1305. Paramiko 2.12 has neither chacha20-poly1305 nor AES-GCM. Sentinel''s result holds')
    $md.Add('the output as a .NET string (UTF-16: 512 MiB for 256 MiB of text) besides the 256 MiB received, where the OpenSSH peer keeps')
    $md.Add('the bytes. How fast a fresh page can be written on this machine is measured below the table; where it is slow, the')
    $md.Add('spread of Sentinel''s rows comes from memory, not from SSH. SSH.NET also grants the server a 2 GiB channel window (OpenSSH''s')
    $md.Add('client and Paramiko grant 2 MiB), so when the client falls behind, nothing makes sshd wait: it keeps reading the output and queueing it.')
    $md.AddRange([string[]](Write-BenchTable $tp 'MiB/s' -HigherIsBetter))
    $md.Add('')
    $md.Add('What writing memory costs on this machine, in a fresh pwsh: one 512 MiB array written twice. The first write also')
    $md.Add('takes each page from the system; a process that keeps a large output pays that rate for every byte it keeps.')
    $md.AddRange([string[]](Write-BenchTable $touch 'MiB/s' -SentinelTool 'no-ratio'))
    $md.Add('')
    $md.Add("## 5. $($Settings.Concurrent) concurrent commands on one connection")
    $md.Add('')
    $md.Add('Wall seconds. Sentinel: 100 PowerShell instances on an already-open runspace pool, each `Invoke-SentinelCommand true -Session $s` on')
    $md.Add('the same session; OpenSSH: 100 `ssh -S socket host true` started at once on one ControlMaster. The lab sshd has `MaxSessions 10`.')
    $md.AddRange([string[]](Write-BenchTable $conc 's'))
    $md.Add('')
    $md.Add('## 6. Import time and memory')
    $md.Add('')
    $md.Add('`Import-Module` of the built module, timed inside a fresh pwsh; and the wall time of a whole fresh pwsh with and without the import.')
    $md.AddRange([string[]](Write-BenchTable $import 'ms' -SentinelTool 'no-ratio'))
    $md.Add('')
    $md.Add("Peak working set of a fresh process that opens $($Settings.Sessions) sessions over the fleet (several per host when the fleet is smaller) and")
    $md.Add('runs `true` on each (pwsh: `PeakWorkingSet64`; Python: `VmHWM` from /proc/self/status; both are the kernel''s peak resident set). Both numbers include the runtime itself (pwsh with its .NET runtime,')
    $md.Add('Python), so the "imported, no session" row is the baseline to subtract.')
    $md.AddRange([string[]](Write-BenchTable $memory 'MiB' -SentinelTool 'no-ratio'))
    $md.Add('')

    # --- goals ---
    $med = { param($stats, $variant, $tool) ($stats | Where-Object { $_.Tool -like $tool -and ($variant -eq '*' -or $_.Variant -eq $variant) } | Select-Object -First 1) }
    $md.Add('## Goals')
    $md.Add('')
    $md.Add('| Goal | Measured | Met |')
    $md.Add('|---|---|---|')
    $yes = { param($ok) if ($ok) { 'yes' } else { '**no**' } }
    $s1 = & $med $seq '*' 'Sentinel*'; $floor = & $med $seq '*' 'local bash*'; $cm = & $med $seq '*' 'OpenSSH ControlMaster'
    if ($s1 -and $floor) { $md.Add("| 1. Sentinel per command <= 2x the local ``bash -c true`` floor | $(Format-Number $s1.Median) ms vs $(Format-Number $floor.Median) ms = $('{0:N2}' -f ($s1.Median / $floor.Median))x | $(& $yes ($s1.Median -le 2 * $floor.Median)) |") }
    if ($s1 -and $cm) { $md.Add("| 1. Sentinel per command <= 0.5x OpenSSH ControlMaster | $(Format-Number $s1.Median) ms vs $(Format-Number $cm.Median) ms = $('{0:N2}' -f ($s1.Median / $cm.Median))x | $(& $yes ($s1.Median -le 0.5 * $cm.Median)) |") }
    foreach ($variant in @($fan.Variant | Select-Object -Unique)) {
        $peers = @($fan | Where-Object { $_.Variant -eq $variant -and $_.Tool -notlike 'Sentinel*' } | Sort-Object Median)
        $ans = & $med $fan $variant 'ansible*'
        foreach ($s3 in @($fan | Where-Object { $_.Variant -eq $variant -and $_.Tool -like 'Sentinel*' })) {
            if ($peers) {
                $best = $peers[0]
                $md.Add("| 3. $variant`: $($s3.Tool) wall time <= 1.0x the fastest peer ($($best.Tool)) | $(Format-Number $s3.Median) s vs $(Format-Number $best.Median) s = $('{0:N2}' -f ($s3.Median / $best.Median))x | $(& $yes ($s3.Median -le $best.Median)) |")
            }
            if ($ans) { $md.Add("| 3. $variant`: $($s3.Tool) >= 10x faster than Ansible | $(Format-Number $ans.Median) s / $(Format-Number $s3.Median) s = $('{0:N1}' -f ($ans.Median / $s3.Median))x | $(& $yes ($ans.Median -ge 10 * $s3.Median)) |") }
        }
    }
    foreach ($s4 in @($tp | Where-Object Tool -eq 'Sentinel')) {
        $same = $tp | Where-Object { $_.Tool -like 'OpenSSH*' -and $_.Variant -eq $s4.Variant } | Select-Object -First 1
        if ($same) { $md.Add("| 4. Sentinel throughput >= 0.7x OpenSSH with the same cipher ($($s4.Variant)) | $(Format-Number $s4.Median) vs $(Format-Number $same.Median) MiB/s = $('{0:N2}' -f ($s4.Median / $same.Median))x | $(& $yes ($s4.Median -ge 0.7 * $same.Median)) |") }
    }
    $failed = @($Results | Where-Object Failures -gt 0)
    $md.Add('')
    if ($failed) { $md.Add("Runs with failed commands or unverified output: $($failed.Count) (see the failures columns).") } else { $md.Add('Every command in every run succeeded and every throughput run''s checksum matched.') }
    $md.Add('')
    $md.Add('## Reproduce')
    $md.Add('')
    $md.Add('As root on Debian 12, with the .NET 10 SDK:')
    $md.Add('')
    $md.Add('```sh')
    $md.Add('dotnet tool restore && dotnet pwsh ./build.ps1 -Task Bench          # full: 5 repetitions, 200 commands, 50 and 100 hosts, 256 MiB')
    $md.Add('dotnet tool restore && dotnet pwsh ./build.ps1 -Task Bench -Quick   # 2 repetitions, 50 commands, 20 hosts, 64 MiB')
    $md.Add('```')
    $md.Add('')
    $md.Add('The harness installs the peers from Debian when missing (`openssh-client`, `python3-paramiko`, `python3-fabric`, `pssh`, `ansible-core`,')
    $md.Add('`gnuplot-nox`), starts the lab sshd instances, and stops them by PID at the end.')

    $mdPath = Join-Path $OutputDirectory 'benchmarks.md'
    Set-Content -Path $mdPath -Value $md
    Write-Host "`nWrote $mdPath"

    $largest = @($fan.Variant | Sort-Object { [int]($_ -split ' ')[0] } | Select-Object -Last 1)
    $panels = @(
        @{ Title = "1. $($Settings.SeqCount) x true over one connection"; Unit = 'ms per command'; Rows = $seq }
        @{ Title = "2. Cold connect + command ($($Settings.ColdCount) x)"; Unit = 'ms per connection'; Rows = $cold }
        @{ Title = "3. Fan-out, $($largest[0]), 32 parallel"; Unit = 'wall s'; Rows = @($fan | Where-Object Variant -eq $largest[0]) }
        @{ Title = "4. Throughput, $($Settings.Bytes / 1MB) MiB stdout (higher is better)"; Unit = 'MiB/s'; Rows = @($tp | ForEach-Object { [pscustomobject]@{ Tool = "$($_.Tool -replace ' \(ControlMaster\)', '') $($_.Variant)"; Median = $_.Median } }) }
        @{ Title = "5. $($Settings.Concurrent) concurrent on one connection"; Unit = 'wall s'; Rows = $conc }
        @{ Title = "6. Peak memory, $($Settings.Sessions) sessions"; Unit = 'MiB'; Rows = @($memory | ForEach-Object { [pscustomobject]@{ Tool = "$($_.Tool) $($_.Variant)"; Median = $_.Median } }) }
    )
    $png = Join-Path $OutputDirectory 'benchmarks.png'
    Write-BenchChart -Panels $panels -Path $png -Title "Sentinel vs peers, medians ($cores cores, $date$(if ($Quick) { ', -Quick' }))"
    Write-Host "Wrote $png"
}
