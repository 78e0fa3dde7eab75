# The real parts of the Sentinel lab: what users run, on this machine, reachable only on loopback.
#   - a Docker engine (Debian's docker.io): its own dockerd, socket, data root and cgroup parent, no
#     bridge, no iptables; containers from a busybox image imported locally (never pulled), --network none;
#   - a systemd host: a Debian bookworm root filesystem booted with systemd-nspawn -b in a network
#     namespace that has only lo; its sshd is reached through a socket proxy on 127.0.0.1;
#   - OpenSSH 10: sshd of a Debian trixie root filesystem, run in systemd-nspawn on 127.0.0.1;
#   - Dropbear (dropbear-bin) on 127.0.0.1, with the machine's users, passwords and sudo.
# Root filesystems and the image are built on first use and cached under /var/cache/sentinel-lab;
# every start records what it made in /run/sentinel-lab/<name>/real-lab.json, and its Stop (or
# Clear-SentinelRealLab, for whatever a failed run left) stops the processes by PID and removes the
# namespaces, mounts and cgroups. Needs root; the facts behind the flags are in lab-notes.md.

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module (Join-Path $PSScriptRoot 'SentinelLab.psm1')

$script:CacheRoot = '/var/cache/sentinel-lab'
$script:RunRoot = '/run/sentinel-lab'
$script:RecordName = 'real-lab.json'
$script:Packages = @('docker.io', 'systemd-container', 'mmdebstrap', 'dropbear-bin', 'busybox-static')
$script:Image = 'sentinel-lab/busybox:1'
# The nspawn containers' cgroups, in the two hierarchies systemd uses (named v1 and the v2 'unified').
$script:NspawnCgroupRoots = @('/sys/fs/cgroup/systemd/sentinel-lab', '/sys/fs/cgroup/unified/sentinel-lab')
$script:NspawnRunMount = '/run/systemd/nspawn'
$script:AuthorizedKeysInside = '/etc/ssh/sentinel-lab-keys'
$script:TreeHostName = 'sentinel-lab'

# A tree's name carries a version: change what goes into a tree, bump it, and the next run rebuilds.
$script:RootFs = @{
    Systemd   = [pscustomobject]@{
        Name    = 'bookworm-systemd-1'; Suite = 'bookworm'
        Include = 'systemd,systemd-sysv,dbus,openssh-server,sudo,nginx-light,iproute2,procps'
    }
    OpenSsh10 = [pscustomobject]@{
        Name    = 'trixie-openssh-1'; Suite = 'trixie'
        Include = 'openssh-server,sudo,procps'
    }
}

function Write-LabStep { param([string]$Text) Write-Host "[real lab] $Text" }

function Install-SentinelRealLabPrerequisites {
    <#
    .SYNOPSIS
    Installs the Debian packages of the real lab and builds the cached root filesystems, when missing.
    #>
    Install-SentinelLabPrerequisites
    $missing = @($script:Packages | Where-Object { (& dpkg-query -W -f='${Status}' $_ 2>$null) -ne 'install ok installed' })
    if ($missing.Count -gt 0) {
        Write-LabStep "installing $($missing -join ', ')"
        # Their postinst scripts start services, which fails without systemd as PID 1: a policy-rc.d
        # that answers 101 (action forbidden) makes them skip it. Ours only for the install.
        $policy = '/usr/sbin/policy-rc.d'
        $ownPolicy = -not (Test-Path $policy)
        if ($ownPolicy) {
            Set-Content -Path $policy -Value "#!/bin/sh`nexit 101"
            Invoke-Native chmod @('755', $policy) | Out-Null
        }
        try {
            $env:DEBIAN_FRONTEND = 'noninteractive'
            Invoke-Native apt-get @('update', '-qq') | Out-Null
            Invoke-Native apt-get (@('install', '-y', '-qq', '--no-install-recommends') + $missing) | Out-Null
        }
        finally {
            if ($ownPolicy) { Remove-Item $policy -Force }
        }
    }
    Initialize-LabRootFs -Spec $script:RootFs.Systemd, $script:RootFs.OpenSsh10
}

function Get-LabDebianMirror {
    # The machine's own Debian mirror: the first URIs of deb822 sources, else the first deb line.
    $deb822 = '/etc/apt/sources.list.d/debian.sources'
    if (Test-Path $deb822) {
        $line = Get-Content $deb822 | Where-Object { $_ -match '^URIs:\s*(\S+)' } | Select-Object -First 1
        if ($line -and $line -match '^URIs:\s*(\S+)') { return $Matches[1] }
    }
    $lists = @('/etc/apt/sources.list') + @(Get-ChildItem /etc/apt/sources.list.d -Filter *.list -ErrorAction SilentlyContinue | ForEach-Object FullName)
    foreach ($list in $lists | Where-Object { Test-Path $_ }) {
        $line = Get-Content $list | Where-Object { $_ -match '^deb\s+(\[[^\]]*\]\s+)?(\S+)\s' } | Select-Object -First 1
        if ($line -and $line -match '^deb\s+(\[[^\]]*\]\s+)?(\S+)\s') { return $Matches[2] }
    }
    throw 'No Debian mirror is configured in /etc/apt (debian.sources or sources.list).'
}

function Get-LabRootFsPath { param([Parameter(Mandatory)]$Spec) Join-Path $script:CacheRoot "rootfs/$($Spec.Name)" }

function Initialize-LabRootFs {
    # Builds the missing trees side by side (mmdebstrap waits on the mirror as much as on the CPU),
    # configures each, then moves it into place: a tree under /var/cache is always a finished one.
    param([Parameter(Mandatory)][object[]]$Spec)
    $builds = @(foreach ($tree in $Spec | Where-Object { -not (Test-Path (Get-LabRootFsPath $_)) }) {
            $staging = "$(Get-LabRootFsPath $tree).building"
            $log = "$staging.log"
            if (Test-Path $staging) { Dismount-LabTree -Path $staging; Invoke-Native rm @('-rf', '--one-file-system', $staging) | Out-Null }
            New-Item -ItemType Directory -Path (Split-Path $staging) -Force | Out-Null
            $arguments = @('--quiet', '--variant=minbase', "--include=$($tree.Include)", '--aptopt=Acquire::Retries "3"', $tree.Suite, $staging, (Get-LabDebianMirror))
            Write-LabStep "building the $($tree.Suite) root filesystem $($tree.Name) (mmdebstrap, once per machine)"
            [pscustomobject]@{ Spec = $tree; Staging = $staging; Log = $log; Process = (Start-LabProcess -FilePath mmdebstrap -ArgumentList $arguments -LogPath $log) }
        })
    foreach ($build in $builds) {
        $build.Process.WaitForExit()
        if ($build.Process.ExitCode -ne 0) {
            throw "mmdebstrap $($build.Spec.Suite) failed with exit code $($build.Process.ExitCode): $(Get-Content $build.Log -Tail 30 | Out-String)"
        }
        Set-LabRootFsConfiguration -Spec $build.Spec -Root $build.Staging
        Move-Item $build.Staging (Get-LabRootFsPath $build.Spec)
        Remove-Item $build.Log -ErrorAction SilentlyContinue
    }
}

function Start-LabProcess {
    # Starts a program in the background with its output in a log file; with -Cgroup, the process
    # joins those cgroups before it execs, so its children are born there. Returns the Process.
    param([Parameter(Mandatory)][string]$FilePath, [string[]]$ArgumentList = @(), [Parameter(Mandatory)][string]$LogPath, [string[]]$Cgroup = @())
    $script = 'log=$1; shift; for dir in $CGROUPS; do echo 0 > "$dir/cgroup.procs" || exit 1; done; exec "$@" </dev/null >>"$log" 2>&1'
    $start = [System.Diagnostics.ProcessStartInfo]::new('/bin/sh')
    foreach ($argument in @('-c', $script, 'sh', $LogPath, $FilePath) + $ArgumentList) { $start.ArgumentList.Add($argument) }
    $start.Environment['CGROUPS'] = $Cgroup -join ' '
    $start.UseShellExecute = $false
    [System.Diagnostics.Process]::Start($start)
}

function Set-LabRootFsConfiguration {
    # What every lab tree has: the lab user, sudoers in the README's style, sshd taking the lab's
    # authorized keys from a folder bound in at start. The systemd tree also gets its test units.
    param([Parameter(Mandatory)]$Spec, [Parameter(Mandatory)][string]$Root)
    $account = Get-SentinelLabAccount
    # A host name of its own that resolves (mmdebstrap copies the machine's; sudo warns on every
    # call when the name does not resolve).
    Set-Content -Path (Join-Path $Root 'etc/hostname') -Value $script:TreeHostName
    Set-Content -Path (Join-Path $Root 'etc/hosts') -Value "127.0.0.1 localhost`n127.0.1.1 $($script:TreeHostName)"
    Invoke-Native useradd @('--root', $Root, '--create-home', '--shell', '/bin/bash', $account.UserName) | Out-Null
    New-Item -ItemType Directory -Path (Join-Path $Root $script:AuthorizedKeysInside) -Force | Out-Null
    Set-Content -Path (Join-Path $Root 'etc/ssh/sshd_config.d/sentinel-lab.conf') -Value @"
AuthorizedKeysFile $($script:AuthorizedKeysInside)/%u
AllowUsers $($account.UserName)
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin no
MaxSessions 10
MaxStartups 200:30:400
LogLevel VERBOSE
"@
    $user = $account.UserName
    $sudoers = if ($Spec -eq $script:RootFs.Systemd) {
        # The README's advice: NOPASSWD for the service actions Sentinel runs (the program first,
        # as sudo matches it), a password for everything else, never cached.
        @"
Defaults:$user timestamp_timeout=0
$user ALL=(ALL) ALL
$user ALL=(root) NOPASSWD: /usr/bin/systemctl start -- nginx, /usr/bin/systemctl stop -- nginx, /usr/bin/systemctl restart -- nginx, /usr/sbin/nginx -t
"@
    }
    else {
        @"
Defaults:$user timestamp_timeout=0
$user ALL=(ALL) ALL
$user ALL=(root) NOPASSWD: /usr/bin/id
"@
    }
    $sudoersPath = Join-Path $Root 'etc/sudoers.d/sentinel-lab'
    Set-Content -Path $sudoersPath -Value $sudoers
    Invoke-Native chmod @('440', $sudoersPath) | Out-Null
    Invoke-Native visudo @('-c', '-q', '-f', $sudoersPath) | Out-Null

    if ($Spec -eq $script:RootFs.Systemd) {
        # Units that do nothing useful in a lab container, and a journal in memory.
        Invoke-Native systemctl @("--root=$Root", 'mask', 'apt-daily.timer', 'apt-daily-upgrade.timer', 'getty@tty1.service', 'console-getty.service',
            'systemd-timesyncd.service', 'e2scrub_all.timer', 'e2scrub_reap.service', 'fstrim.timer', 'dpkg-db-backup.timer') | Out-Null
        New-Item -ItemType Directory -Path (Join-Path $Root 'etc/systemd/journald.conf.d') -Force | Out-Null
        Set-Content -Path (Join-Path $Root 'etc/systemd/journald.conf.d/sentinel-lab.conf') -Value "[Journal]`nStorage=volatile"
        # A unit whose ExecStart fails at every boot (state failed) and one never started (inactive).
        Set-Content -Path (Join-Path $Root 'etc/systemd/system/sentinel-failing.service') -Value @"
[Unit]
Description=Sentinel lab: a service whose program fails
[Service]
ExecStart=/bin/false
[Install]
WantedBy=multi-user.target
"@
        Set-Content -Path (Join-Path $Root 'etc/systemd/system/sentinel-idle.service') -Value @"
[Unit]
Description=Sentinel lab: a service that is not started at boot
[Service]
ExecStart=/bin/sleep infinity
"@
        Invoke-Native systemctl @("--root=$Root", 'enable', 'sentinel-failing.service') | Out-Null
    }
}

function Sync-LabRootFsPassword {
    # The tree's lab user gets the machine's password hash (the lab password can be regenerated):
    # written into the cached tree only while no container runs from it.
    param([Parameter(Mandatory)][string]$Root)
    $account = Get-SentinelLabAccount
    $hash = ((Get-Content /etc/shadow | Where-Object { $_.StartsWith("$($account.UserName):") }) -split ':')[1]
    $current = ((Get-Content (Join-Path $Root 'etc/shadow') | Where-Object { $_.StartsWith("$($account.UserName):") }) -split ':')[1]
    if ($hash -ne $current) {
        Invoke-Native chpasswd @('--encrypted', '--root', $Root) -InputText "$($account.UserName):$hash" | Out-Null
    }
}

function Install-LabPackages {
    # The packages alone, for a start that needs no root filesystem (the engine, Dropbear).
    if (@($script:Packages | Where-Object { (& dpkg-query -W -f='${Status}' $_ 2>$null) -ne 'install ok installed' }).Count -gt 0) {
        Install-SentinelRealLabPrerequisites
    }
}

# ---- What a start made, and undoing it ------------------------------------------------------------

function New-LabInstance {
    param([Parameter(Mandatory)][string]$Kind)
    $name = '{0}-{1:x4}' -f $Kind.ToLowerInvariant(), (Get-Random -Maximum 65535)
    $root = Join-Path $script:RunRoot $name
    New-Item -ItemType Directory -Path $root -Force | Out-Null
    # 755: the lab user reaches the engine's socket in here (no secret is kept in these folders).
    Invoke-Native chmod @('755', $script:RunRoot, $root) | Out-Null
    $account = Get-SentinelLabAccount
    $instance = [pscustomobject]@{
        Kind             = $Kind
        Name             = $name
        Root             = $root
        ComputerName     = '127.0.0.1'
        Port             = 0
        UserName         = $account.UserName
        Password         = $account.Password
        KeyPath          = $account.KeyPath
        Processes        = @()
        Cgroups          = @()
        NetworkNamespace = $null
        NspawnRunMount   = $false
        DockerSocket     = $null
        Leader           = 0
        # The process that started it: Clear-SentinelRealLab leaves the parts of a live run alone.
        Owner            = [pscustomobject]@{ Pid = $PID; StartTicks = (Get-ProcessStartTicks $PID); Tree = $false; Grace = 0 }
    }
    Save-LabInstance $instance
    $instance
}

function Save-LabInstance {
    # Written after every resource a start makes, so a run that dies half way can still be undone.
    param([Parameter(Mandatory)]$Instance)
    $Instance | Select-Object -ExcludeProperty Password | ConvertTo-Json -Depth 5 |
        Set-Content -Path (Join-Path $Instance.Root $script:RecordName)
}

function Get-ProcessStartTicks {
    # The start time in /proc/PID/stat (field 22): with the PID, it names one process, not a reused PID.
    param([int]$ProcessId)
    $stat = Get-Content "/proc/$ProcessId/stat" -Raw -ErrorAction SilentlyContinue
    if (-not $stat) { return $null }
    [long](($stat.Substring($stat.LastIndexOf(')') + 2) -split ' ')[19])
}

function Add-LabProcess {
    # -Tree stops its children too (proxies, connection processes); -Grace is how long SIGTERM may take.
    param([Parameter(Mandatory)]$Instance, [Parameter(Mandatory)][int]$ProcessId, [switch]$Tree, [int]$Grace = 10)
    $Instance.Processes += [pscustomobject]@{ Pid = $ProcessId; StartTicks = (Get-ProcessStartTicks $ProcessId); Tree = [bool]$Tree; Grace = $Grace }
    Save-LabInstance $Instance
}

function Test-LabProcessAlive {
    param([Parameter(Mandatory)]$Process)
    $ticks = Get-ProcessStartTicks $Process.Pid
    $null -ne $ticks -and $ticks -eq $Process.StartTicks -and
        -not ((Get-Content "/proc/$($Process.Pid)/stat" -Raw -ErrorAction SilentlyContinue) -match '\) Z ')
}

function Stop-LabProcess {
    # SIGTERM, a grace period, then SIGKILL; only the very process the start recorded.
    param([Parameter(Mandatory)]$Process)
    if (-not (Test-LabProcessAlive $Process)) { return }
    if ($Process.Tree) { Stop-ProcessTree -ProcessId $Process.Pid } else { & kill -TERM $Process.Pid 2>$null }
    $deadline = [DateTime]::UtcNow.AddSeconds($Process.Grace)
    while (Test-LabProcessAlive $Process) {
        if ([DateTime]::UtcNow -gt $deadline) {
            Write-Warning "[real lab] PID $($Process.Pid) ignored SIGTERM for $($Process.Grace) s: killing it."
            & kill -KILL $Process.Pid 2>$null
            return
        }
        [System.Threading.Thread]::Sleep(50)
    }
}

function New-LabCgroup {
    # Makes the cgroup folders (and any missing parents) and records each folder it made.
    param([Parameter(Mandatory)]$Instance, [Parameter(Mandatory)][string[]]$Path)
    foreach ($leaf in $Path) {
        $missing = @()
        for ($dir = $leaf; -not (Test-Path $dir); $dir = Split-Path $dir) { $missing += $dir }
        $Instance.Cgroups += $missing
        Save-LabInstance $Instance
        [array]::Reverse($missing)
        foreach ($dir in $missing) { New-Item -ItemType Directory -Path $dir | Out-Null }
    }
}

function Remove-LabCgroup {
    # Deepest first: whatever still runs in a cgroup the lab made is the lab's, and is killed.
    param([Parameter(Mandatory)][string]$Path)
    if (-not (Test-Path $Path)) { return }
    foreach ($child in Get-ChildItem -Path $Path -Directory) { Remove-LabCgroup -Path $child.FullName }
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while ($true) {
        $pids = @(Get-Content (Join-Path $Path 'cgroup.procs') -ErrorAction SilentlyContinue)
        if ($pids.Count -eq 0) { break }
        if ([DateTime]::UtcNow -gt $deadline) { Write-Warning "[real lab] processes $($pids -join ', ') stay in $Path"; return }
        foreach ($processId in $pids) { & kill -KILL $processId 2>$null }
        [System.Threading.Thread]::Sleep(50)
    }
    & rmdir $Path 2>$null
}

function Stop-SentinelRealLab {
    <#
    .SYNOPSIS
    Stops one real-lab part (what a Start-Sentinel* of this module returned) and removes all it made.
    #>
    param([Parameter(Mandatory)]$Instance)
    if ($Instance.Kind -eq 'Docker' -and $Instance.DockerSocket -and (Test-Path $Instance.DockerSocket)) {
        # The containers first, at once (the lab's are throwaway), so dockerd stops without waiting on them.
        $ids = @(& /usr/bin/docker -H "unix://$($Instance.DockerSocket)" ps --all --quiet 2>$null)
        if ($ids) { & /usr/bin/docker -H "unix://$($Instance.DockerSocket)" rm --force @ids *> $null }
    }
    $processes = @($Instance.Processes | Where-Object { $_ })
    [array]::Reverse($processes)
    foreach ($process in $processes) { Stop-LabProcess -Process $process }
    $cgroups = @($Instance.Cgroups | Where-Object { $_ } | Sort-Object { $_.Length } -Descending)
    foreach ($cgroup in $cgroups) { Remove-LabCgroup -Path $cgroup }
    if ($Instance.NetworkNamespace) { & ip netns del $Instance.NetworkNamespace 2>$null }
    Dismount-LabTree -Path $Instance.Root
    if ($Instance.NspawnRunMount) { Dismount-LabNspawnRun -Except $Instance.Name }
    if (Test-Path $Instance.Root) { & rm -rf --one-file-system $Instance.Root 2>$null }
}

function Dismount-LabTree {
    # Mounts dockerd leaves under its exec root when it is killed rather than stopped.
    param([Parameter(Mandatory)][string]$Path)
    $mounts = @(Get-Content /proc/self/mounts | ForEach-Object { ($_ -split ' ')[1] } | Where-Object { $_ -eq $Path -or $_.StartsWith("$Path/") })
    foreach ($mount in $mounts | Sort-Object { $_.Length } -Descending) { & umount -l $mount 2>$null }
}

function Clear-SentinelRealLab {
    <#
    .SYNOPSIS
    Undoes the real-lab parts recorded under /run/sentinel-lab that this process started or whose
    starting process is gone: the final cleanup of a test run, and of a run that died. Parts of
    another live run (a second worktree's tests) are left alone.
    #>
    foreach ($record in @(Get-ChildItem -Path $script:RunRoot -Filter $script:RecordName -Recurse -Depth 1 -ErrorAction SilentlyContinue)) {
        $instance = Get-Content $record.FullName -Raw | ConvertFrom-Json
        if ($instance.Owner.Pid -ne $PID -and (Test-LabProcessAlive $instance.Owner)) { continue }
        Write-LabStep "cleaning up $($instance.Name), which its start left behind"
        Stop-SentinelRealLab -Instance $instance
    }
}

# ---- systemd-nspawn -------------------------------------------------------------------------------

function Mount-LabNspawnRun {
    # nspawn refuses to work under a /run that is on disk (as here): a tmpfs on its own folder.
    param([Parameter(Mandatory)]$Instance)
    $Instance.NspawnRunMount = $true
    Save-LabInstance $Instance
    & mountpoint -q $script:NspawnRunMount 2>$null
    if ($LASTEXITCODE -ne 0) {
        New-Item -ItemType Directory -Path $script:NspawnRunMount -Force | Out-Null
        Invoke-Native mount @('-t', 'tmpfs', '-o', 'mode=0755', 'sentinel-lab-nspawn', $script:NspawnRunMount) | Out-Null
    }
}

function Dismount-LabNspawnRun {
    # Unmounted when no other lab part needs it any more.
    param([string]$Except)
    $others = @(Get-ChildItem -Path $script:RunRoot -Filter $script:RecordName -Recurse -Depth 1 -ErrorAction SilentlyContinue |
            ForEach-Object { Get-Content $_.FullName -Raw | ConvertFrom-Json } |
            Where-Object { $_.NspawnRunMount -and $_.Name -ne $Except })
    if ($others.Count -eq 0 -and (Get-Content /proc/self/mounts | Where-Object { ($_ -split ' ')[1] -eq $script:NspawnRunMount })) {
        & umount $script:NspawnRunMount 2>$null
    }
}

function Start-LabNspawn {
    # systemd-nspawn on a cached tree, in cgroups of its own (two nspawns in one cgroup collide), with
    # --volatile=overlay (the cache stays as built: host keys stay stable) and no registration (there
    # is no systemd on the machine to register with). The lab's authorized keys are bound in.
    param([Parameter(Mandatory)]$Instance, [Parameter(Mandatory)][string]$Tree, [string[]]$Options = @(), [string[]]$Command = @())
    Mount-LabNspawnRun -Instance $Instance
    $cgroups = @($script:NspawnCgroupRoots | ForEach-Object { "$_/$($Instance.Name)" })
    New-LabCgroup -Instance $Instance -Path $cgroups
    $account = Get-SentinelLabAccount
    $arguments = @('--quiet', '--directory', $Tree, '--register=no', '--keep-unit', '--volatile=overlay', '--console=pipe',
        "--machine=sl-$($Instance.Name)", "--hostname=$($script:TreeHostName)", "--bind-ro=$($account.AuthorizedKeysRoot):$($script:AuthorizedKeysInside)") + $Options + $Command
    $process = Start-LabProcess -FilePath systemd-nspawn -ArgumentList $arguments -LogPath (Join-Path $Instance.Root 'nspawn.log') -Cgroup $cgroups
    Add-LabProcess -Instance $Instance -ProcessId $process.Id -Grace 20
    $process
}

function Wait-LabCondition {
    param([Parameter(Mandatory)][scriptblock]$Condition, [Parameter(Mandatory)][string]$What, [int]$TimeoutSeconds = 60, [string]$LogPath)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) {
            $log = if ($LogPath -and (Test-Path $LogPath)) { "`n" + (Get-Content $LogPath -Tail 40 | Out-String) } else { '' }
            throw "[real lab] $What did not happen within $TimeoutSeconds s.$log"
        }
        [System.Threading.Thread]::Sleep(100)
    }
}

# ---- The systemd host -----------------------------------------------------------------------------

function Start-SentinelSystemdHost {
    <#
    .SYNOPSIS
    Boots the bookworm tree with systemd as PID 1 in a network namespace with only lo, and returns
    the host (ComputerName, Port: a socket proxy on 127.0.0.1 into the namespace's sshd; Leader: the
    container's PID 1, for Invoke-SentinelSystemdHostCommand). Waits until the boot is finished.
    #>
    Install-LabPackages
    $tree = Get-LabRootFsPath $script:RootFs.Systemd
    Initialize-LabRootFs -Spec $script:RootFs.Systemd
    Sync-LabRootFsPassword -Root $tree
    $instance = New-LabInstance -Kind Systemd
    try {
        $instance.NetworkNamespace = "sl-$($instance.Name)"
        Save-LabInstance $instance
        Invoke-Native ip @('netns', 'add', $instance.NetworkNamespace) | Out-Null
        Invoke-Native ip @('-n', $instance.NetworkNamespace, 'link', 'set', 'lo', 'up') | Out-Null

        $nspawn = Start-LabNspawn -Instance $instance -Tree $tree -Options @('--boot', "--network-namespace-path=/run/netns/$($instance.NetworkNamespace)")
        $log = Join-Path $instance.Root 'nspawn.log'
        # The container's PID 1 is nspawn's child once the container exists.
        Wait-LabCondition -What 'the container''s systemd starting' -LogPath $log -TimeoutSeconds 20 -Condition {
            $nspawn.Refresh()
            if ($nspawn.HasExited) { throw "systemd-nspawn exited with $($nspawn.ExitCode): $(Get-Content $log -Raw)" }
            $child = @(& ps -o pid=,comm= --ppid $nspawn.Id 2>$null | Where-Object { $_ -match '^\s*(\d+)\s+systemd$' })
            if ($child) { $instance.Leader = [int]($child[0].Trim() -split '\s+')[0] }
            $instance.Leader -gt 0
        }
        Save-LabInstance $instance
        # Booted: every unit settled (degraded, as sentinel-failing fails on purpose).
        Wait-LabCondition -What 'the systemd host''s boot' -LogPath $log -TimeoutSeconds 60 -Condition {
            (& nsenter --target $instance.Leader --mount --pid -- systemctl is-system-running 2>$null) -in 'running', 'degraded'
        }

        $instance.Port = Get-FreeTcpPort
        $proxy = Start-LabProcess -FilePath systemd-socket-activate -LogPath (Join-Path $instance.Root 'proxy.log') -ArgumentList @(
            '--listen', "127.0.0.1:$($instance.Port)", 'nsenter', "--net=/run/netns/$($instance.NetworkNamespace)", '/lib/systemd/systemd-socket-proxyd', '127.0.0.1:22')
        Add-LabProcess -Instance $instance -ProcessId $proxy.Id -Tree -Grace 5
        Wait-TcpListening -Port $instance.Port
        $instance
    }
    catch {
        Stop-SentinelRealLab -Instance $instance
        throw
    }
}

function Invoke-SentinelSystemdHostCommand {
    <#
    .SYNOPSIS
    Runs a command inside the systemd host as its root (nsenter into its namespaces), not through
    Sentinel: what tests check the host's own view with (systemctl show -p MainPID ...).
    #>
    param([Parameter(Mandatory)]$Instance, [Parameter(Mandatory)][string[]]$Command, [string]$InputText)
    $arguments = @('--target', $Instance.Leader, '--mount', '--uts', '--ipc', '--net', '--pid', '--') + $Command
    if ($PSBoundParameters.ContainsKey('InputText')) { Invoke-Native nsenter $arguments -InputText $InputText } else { Invoke-Native nsenter $arguments }
}

# ---- OpenSSH 10 -----------------------------------------------------------------------------------

function Start-SentinelOpenSsh10 {
    <#
    .SYNOPSIS
    Runs the trixie tree's sshd (OpenSSH 10) in systemd-nspawn, sharing the machine's network, on
    127.0.0.1 and a free port; its sudo and users are the tree's own. -ListenAddress makes it a
    loopback fleet (the benchmark's 15 hosts: 127.0.0.2 and up), with room for them all to connect at once.
    PerSourcePenalties is off: every client here comes from 127.0.0.1, and OpenSSH 10 would otherwise
    refuse it for a while after a keyscan's unauthenticated connections.
    #>
    param([string[]]$ListenAddress = @('127.0.0.1'))
    Install-LabPackages
    $tree = Get-LabRootFsPath $script:RootFs.OpenSsh10
    Initialize-LabRootFs -Spec $script:RootFs.OpenSsh10
    Sync-LabRootFsPassword -Root $tree
    $instance = New-LabInstance -Kind OpenSsh10
    try {
        $instance.Port = Get-FreeTcpPort
        $listen = ($ListenAddress | ForEach-Object { "-o ListenAddress=$_" }) -join ' '
        $sshd = "mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -o Port=$($instance.Port) $listen -o MaxStartups=200:30:400 -o PerSourcePenalties=no"
        $nspawn = Start-LabNspawn -Instance $instance -Tree $tree -Options @('--as-pid2') -Command @('/bin/sh', '-c', $sshd)
        $log = Join-Path $instance.Root 'nspawn.log'
        Wait-LabCondition -What 'OpenSSH 10 listening' -LogPath $log -TimeoutSeconds 30 -Condition {
            $nspawn.Refresh()
            if ($nspawn.HasExited) { throw "systemd-nspawn exited with $($nspawn.ExitCode): $(Get-Content $log -Raw)" }
            $client = [System.Net.Sockets.TcpClient]::new()
            try { $client.Connect($ListenAddress[0], $instance.Port); $true } catch { $false } finally { $client.Dispose() }
        }
        $instance
    }
    catch {
        Stop-SentinelRealLab -Instance $instance
        throw
    }
}

# ---- Dropbear -------------------------------------------------------------------------------------

function Start-SentinelDropbear {
    <#
    .SYNOPSIS
    Runs Dropbear on 127.0.0.1 and a free port, with the machine's lab user (password from
    /etc/shadow, key from ~/.ssh/authorized_keys: Dropbear reads no other file) and the machine's sudo.
    #>
    Install-LabPackages
    $instance = New-LabInstance -Kind Dropbear
    try {
        $account = Get-SentinelLabAccount
        $userHome = (& getent passwd $account.UserName).Split(':')[5]
        $sshDir = Join-Path $userHome '.ssh'
        New-Item -ItemType Directory -Path $sshDir -Force | Out-Null
        Copy-Item "$($account.KeyPath).pub" (Join-Path $sshDir 'authorized_keys') -Force
        Invoke-Native chown @('-R', "$($account.UserName):", $sshDir) | Out-Null
        Invoke-Native chmod @('700', $sshDir) | Out-Null

        $hostKey = Join-Path $instance.Root 'dropbear_ed25519_host_key'
        Invoke-Native dropbearkey @('-t', 'ed25519', '-f', $hostKey) | Out-Null
        $instance.Port = Get-FreeTcpPort
        # -F in the foreground (stopped by this PID), -E log to stderr, -w no root, -j -k no forwarding.
        $dropbear = Start-LabProcess -FilePath /usr/sbin/dropbear -LogPath (Join-Path $instance.Root 'dropbear.log') -ArgumentList @(
            '-F', '-E', '-w', '-j', '-k', '-r', $hostKey, '-p', "127.0.0.1:$($instance.Port)")
        Add-LabProcess -Instance $instance -ProcessId $dropbear.Id -Tree -Grace 5
        Wait-TcpListening -Port $instance.Port
        $instance
    }
    catch {
        Stop-SentinelRealLab -Instance $instance
        throw
    }
}

# ---- The Docker engine ----------------------------------------------------------------------------

function Invoke-SentinelLabDocker {
    <# The engine's own CLI (/usr/bin/docker) against the lab's socket, for setting up and checking. #>
    param([Parameter(Mandatory)]$Instance, [Parameter(Mandatory)][string[]]$ArgumentList, [string]$InputText)
    $arguments = @('-H', "unix://$($Instance.DockerSocket)") + $ArgumentList
    if ($PSBoundParameters.ContainsKey('InputText')) { Invoke-Native /usr/bin/docker $arguments -InputText $InputText } else { Invoke-Native /usr/bin/docker $arguments }
}

function Get-LabMemoryCgroup {
    # The memory cgroup this process runs in: the containers go below it, not to the root of the hierarchy.
    $line = Get-Content /proc/self/cgroup | Where-Object { $_ -match '^\d+:([^:]*,)?memory(,[^:]*)?:' } | Select-Object -First 1
    if (-not $line) { return '' }
    ($line -split ':', 3)[2].TrimEnd('/')
}

function Start-SentinelDockerEngine {
    <#
    .SYNOPSIS
    Starts dockerd (data root cached under /var/cache/sentinel-lab/docker, socket under
    /run/sentinel-lab) with no networking of its own, and three containers from a locally imported
    busybox image, all with --network none:
      ticker    prints "tick <unix time>" every second, exits at SIGTERM;
      stubborn  ignores SIGTERM (docker must kill it after the stop timeout);
      finished  ran and exited.
    The lab user joins the docker group. Returns the engine (DockerSocket, Containers).
    #>
    Install-LabPackages
    $instance = New-LabInstance -Kind Docker
    try {
        $instance.DockerSocket = Join-Path $instance.Root 'docker.sock'
        # Below this process's memory cgroup, in every hierarchy docker uses: the folders it will
        # make are recorded first, so a stop removes them even after a crash.
        $parent = "$(Get-LabMemoryCgroup)/sentinel-lab-$($instance.Name)"
        $hierarchies = @(Get-ChildItem /sys/fs/cgroup -Directory | Where-Object { -not $_.LinkTarget } | ForEach-Object FullName)
        New-LabCgroup -Instance $instance -Path @($hierarchies | ForEach-Object { "$_$parent" })

        # A data root of its own (two runs on one machine do not share one); the image comes from a cached tar.
        $dataRoot = Join-Path $instance.Root 'data'
        $dockerd = Start-LabProcess -FilePath dockerd -LogPath (Join-Path $instance.Root 'dockerd.log') -ArgumentList @(
            '--data-root', $dataRoot, '--exec-root', (Join-Path $instance.Root 'exec'), '--pidfile', (Join-Path $instance.Root 'dockerd.pid'),
            '--host', "unix://$($instance.DockerSocket)", '--group', 'docker', '--storage-driver=overlay2',
            '--exec-opt', 'native.cgroupdriver=cgroupfs', "--cgroup-parent=$parent",
            '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-forward=false', '--ip-masq=false', '--userland-proxy=false')
        Add-LabProcess -Instance $instance -ProcessId $dockerd.Id -Grace 20
        Wait-LabCondition -What 'dockerd answering' -LogPath (Join-Path $instance.Root 'dockerd.log') -TimeoutSeconds 30 -Condition {
            $dockerd.Refresh()
            if ($dockerd.HasExited) { throw "dockerd exited with $($dockerd.ExitCode): $(Get-Content (Join-Path $instance.Root 'dockerd.log') -Raw)" }
            & /usr/bin/docker -H "unix://$($instance.DockerSocket)" version --format '{{.Server.Version}}' *> $null
            $LASTEXITCODE -eq 0
        }

        Invoke-SentinelLabDocker $instance @('load', '--quiet', '--input', (Initialize-LabDockerImage -Instance $instance)) | Out-Null

        $run = @('run', '--detach', '--network', 'none', '--stop-signal', 'TERM')
        Invoke-SentinelLabDocker $instance ($run + @('--name', 'ticker', $script:Image, 'sh', '-c',
                'trap "exit 0" TERM; echo "ticker starting" >&2; while :; do echo "tick $(date +%s)"; sleep 1; done')) | Out-Null
        Invoke-SentinelLabDocker $instance ($run + @('--name', 'stubborn', $script:Image, 'sh', '-c', 'trap "" TERM; while :; do sleep 1; done')) | Out-Null
        Invoke-SentinelLabDocker $instance @('run', '--network', 'none', '--name', 'finished', $script:Image, 'echo', 'finished') | Out-Null

        Invoke-Native gpasswd @('--add', $instance.UserName, 'docker') | Out-Null
        $instance
    }
    catch {
        Stop-SentinelRealLab -Instance $instance
        throw
    }
}

function Initialize-LabDockerImage {
    # A 2 MB image of busybox-static and the applets the containers use: imported once (never
    # pulled) and kept as a saved image under /var/cache, which each engine loads. Returns its path.
    param([Parameter(Mandatory)]$Instance)
    $saved = Join-Path $script:CacheRoot 'busybox-image-1.tar'
    if (Test-Path $saved) { return $saved }
    $tree = Join-Path $Instance.Root 'image'
    New-Item -ItemType Directory -Path "$tree/bin", "$tree/tmp" -Force | Out-Null
    Copy-Item /bin/busybox "$tree/bin/busybox"
    foreach ($applet in 'sh', 'sleep', 'date', 'echo', 'cat', 'true', 'ls', 'ps', 'kill') {
        New-Item -ItemType SymbolicLink -Path "$tree/bin/$applet" -Target busybox | Out-Null
    }
    $tar = Join-Path $Instance.Root 'image.tar'
    Invoke-Native tar @('-C', $tree, '-cf', $tar, '.') | Out-Null
    Invoke-SentinelLabDocker $Instance @('import', '--change', 'ENV PATH=/bin', '--change', 'CMD ["/bin/sh"]', $tar, $script:Image) | Out-Null
    New-Item -ItemType Directory -Path $script:CacheRoot -Force | Out-Null
    Invoke-SentinelLabDocker $Instance @('save', '--output', "$saved.new", $script:Image) | Out-Null
    Move-Item "$saved.new" $saved -Force
    Remove-Item $tree, $tar -Recurse -Force
    $saved
}

Export-ModuleMember -Function Install-SentinelRealLabPrerequisites, Start-SentinelSystemdHost, Invoke-SentinelSystemdHostCommand,
    Start-SentinelOpenSsh10, Start-SentinelDropbear, Start-SentinelDockerEngine, Invoke-SentinelLabDocker, Stop-SentinelRealLab, Clear-SentinelRealLab
