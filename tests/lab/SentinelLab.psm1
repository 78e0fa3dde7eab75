# The Sentinel test lab: real OpenSSH sshd instances on loopback, started and stopped by the test run.
#
# Machine-wide pieces are made once and reused, so the demo and a test run can share them:
#   - the user 'sentinel' with a generated password, an ed25519 key pair and a passphrase-encrypted
#     copy of the key (secrets in /var/lib/sentinel-lab, root only);
#   - sudoers like the one Sentinel's users are told to write (NOPASSWD for service and nginx -t,
#     a password for everything else, no cached credentials);
#   - nginx-light as a SysV service.
# Each Start-SentinelLab makes its own sshd (own config, host key and pid file under /run/sentinel-lab)
# on 127.0.0.1, and Stop-SentinelLab stops it by PID. Needs root.

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$script:SecretsRoot = '/var/lib/sentinel-lab'
$script:InstancesRoot = '/run/sentinel-lab'
$script:LabUser = 'sentinel'
# A second user whose sudo requires a terminal (requiretty), to test how Sentinel refuses it.
$script:TtyUser = 'sentinel-tty'
$script:SudoersFile = '/etc/sudoers.d/sentinel-lab'
# A third user with NOPASSWD rules only (no password rule), to test a compound -Sudo line it may not run.
$script:NoPasswordRuleUser = 'sentinel-nopw'
$script:NoPasswordRuleSudoersFile = '/etc/sudoers.d/sentinel-lab-nopw'
# A user whose login shell is fish, which reads neither POSIX syntax nor POSIX quoting, to test that
# every command still runs in a POSIX shell. Its sudo rules are the main user's, in short.
$script:FishUser = 'sentinel-fish'
$script:FishShell = '/usr/bin/fish'
$script:FishSudoersFile = '/etc/sudoers.d/sentinel-lab-fish'
# python3-asyncssh runs the hostile SFTP server; inotify-tools lets the hostile neighbour watch files appear;
# fish is the fish user's login shell; tinysshd (one channel per connection, publickey only), run under
# ucspi-tcp's tcpserver, is an interop server; prometheus and prometheus-node-exporter read -MetricsPath
# files (SentinelMetricsLab.psm1).
$script:Packages = @('openssh-server', 'openssh-client', 'sudo', 'nginx-light', 'procps', 'iproute2', 'python3-asyncssh', 'inotify-tools', 'fish', 'tinysshd', 'ucspi-tcp', 'prometheus', 'prometheus-node-exporter', 'iptables')

function Invoke-Native {
    # Runs a program, failing loudly with its output when it fails. Input, when given, goes to stdin
    # (secrets travel there, never in argv).
    param([Parameter(Mandatory)][string]$FilePath, [string[]]$ArgumentList = @(), [string]$InputText)
    $output = if ($PSBoundParameters.ContainsKey('InputText')) { $InputText | & $FilePath @ArgumentList 2>&1 } else { & $FilePath @ArgumentList 2>&1 }
    if ($LASTEXITCODE -ne 0) {
        throw "$FilePath $($ArgumentList -join ' ') failed with exit code ${LASTEXITCODE}: $($output -join "`n")"
    }
    $output
}

function Install-SentinelLabPrerequisites {
    <# Installs the Debian packages the lab needs, when any is missing. #>
    $missing = @($script:Packages | Where-Object {
            $status = & dpkg-query -W -f='${Status}' $_ 2>$null
            $status -ne 'install ok installed'
        })
    if ($missing.Count -eq 0) { return }
    Write-Host "Installing lab packages: $($missing -join ', ')"
    $env:DEBIAN_FRONTEND = 'noninteractive'
    Invoke-Native apt-get @('update', '-qq') | Out-Null
    Invoke-Native apt-get (@('install', '-y', '-qq', '--no-install-recommends') + $missing) | Out-Null
    if ($missing -contains 'tinysshd' -and (Test-Path /run/systemd/system)) {
        # Debian's package enables tinysshd.socket, a second SSH server on port 22; the lab runs its own.
        & systemctl disable --now tinysshd.socket 2>$null | Out-Null
    }
}

function New-RandomSecret {
    $bytes = [byte[]]::new(18)
    [System.Security.Cryptography.RandomNumberGenerator]::Fill($bytes)
    [Convert]::ToBase64String($bytes).Replace('+', 'x').Replace('/', 'y')
}

function Initialize-LabSecrets {
    # The user's password, key pair and encrypted key copy: generated on first use, then reused.
    if (-not (Test-Path $script:SecretsRoot)) {
        New-Item -ItemType Directory -Path $script:SecretsRoot | Out-Null
    }
    $passwordFile = Join-Path $script:SecretsRoot 'password'
    $passphraseFile = Join-Path $script:SecretsRoot 'passphrase'
    $key = Join-Path $script:SecretsRoot 'id_ed25519'
    $encryptedKey = Join-Path $script:SecretsRoot 'id_ed25519_encrypted'
    foreach ($file in $passwordFile, $passphraseFile) {
        if (-not (Test-Path $file)) { Set-Content -Path $file -Value (New-RandomSecret) -NoNewline }
    }
    if (-not (Test-Path $key)) {
        Invoke-Native ssh-keygen @('-q', '-t', 'ed25519', '-N', '', '-C', 'sentinel-lab', '-f', $key) | Out-Null
    }
    if (-not (Test-Path $encryptedKey)) {
        Copy-Item $key $encryptedKey
        # ssh-keygen takes a new passphrase only in argv; this is the lab's throwaway test key.
        Invoke-Native ssh-keygen @('-q', '-p', '-P', '', '-N', (Get-Content $passphraseFile -Raw), '-f', $encryptedKey) | Out-Null
    }
    Invoke-Native chmod @('600', $key, $encryptedKey, $passwordFile, $passphraseFile) | Out-Null

    $authorizedKeys = Join-Path $script:SecretsRoot 'authorized_keys'
    if (-not (Test-Path $authorizedKeys)) { New-Item -ItemType Directory -Path $authorizedKeys | Out-Null }
    # 755 on the folders (sshd's StrictModes reads authorized_keys through them); the secrets are 600 each.
    # Never narrowed and widened again: a lab starting beside a running one would make sshd refuse keys.
    Invoke-Native chmod @('755', $script:SecretsRoot, $authorizedKeys) | Out-Null
}

function Initialize-LabUsers {
    # Every lab user gets the same generated password and authorized key.
    $password = Get-Content (Join-Path $script:SecretsRoot 'password') -Raw
    foreach ($user in $script:LabUser, $script:TtyUser, $script:NoPasswordRuleUser, $script:FishUser) {
        $shell = if ($user -eq $script:FishUser) { $script:FishShell } else { '/bin/bash' }
        $null = & id -u $user 2>$null
        if ($LASTEXITCODE -ne 0) {
            Invoke-Native useradd @('--create-home', '--shell', $shell, $user) | Out-Null
        }
        Invoke-Native chpasswd -InputText "${user}:$password" | Out-Null
        Copy-Item (Join-Path $script:SecretsRoot 'id_ed25519.pub') (Join-Path $script:SecretsRoot "authorized_keys/$user") -Force
    }
}

# A NOPASSWD command that looks like sudo's own refusal: it appends a line to a fixed counter file,
# then says on stderr what sudo says when it needs a password, and exits 1 (as an inner `sudo -n` would).
$script:FakeRefusal = '/usr/local/lib/sentinel-lab/fake-sudo-refusal'

function Initialize-LabSudoers {
    # sudo applies the last matching rule, so the password-for-everything rule comes first and the
    # NOPASSWD exceptions after it. passwd is denied outright, to test a refused command.
    New-Item -ItemType Directory -Path (Split-Path $script:FakeRefusal) -Force | Out-Null
    Set-Content -Path $script:FakeRefusal -Value "#!/bin/sh`necho ran >> /run/sentinel-lab/fake-sudo-refusal.count`necho 'sudo: a password is required' >&2`nexit 1"
    Invoke-Native chmod @('755', $script:FakeRefusal) | Out-Null
    $rules = @"
Defaults:$($script:LabUser) timestamp_timeout=0
$($script:LabUser) ALL=(ALL) ALL, !/usr/bin/passwd
$($script:LabUser) ALL=(root) NOPASSWD: /usr/sbin/service, /usr/sbin/nginx -t, /bin/cat, $($script:FakeRefusal)
Defaults:$($script:TtyUser) requiretty, timestamp_timeout=0
$($script:TtyUser) ALL=(root) NOPASSWD: /usr/bin/id
"@
    Set-LabSudoersFile -Path $script:SudoersFile -Rules $rules
    Set-LabSudoersFile -Path $script:NoPasswordRuleSudoersFile -Rules @"
Defaults:$($script:NoPasswordRuleUser) timestamp_timeout=0
$($script:NoPasswordRuleUser) ALL=(root) NOPASSWD: /bin/cat, /usr/bin/id
"@
    Set-LabSudoersFile -Path $script:FishSudoersFile -Rules @"
Defaults:$($script:FishUser) timestamp_timeout=0
$($script:FishUser) ALL=(ALL) ALL
$($script:FishUser) ALL=(root) NOPASSWD: /usr/bin/id
"@
}

function Set-LabSudoersFile {
    # Checked by visudo before it replaces the real file: a broken sudoers file would lock sudo out.
    param([Parameter(Mandatory)][string]$Path, [Parameter(Mandatory)][string]$Rules)
    $candidate = "$Path.new"
    Set-Content -Path $candidate -Value $Rules
    Invoke-Native chmod @('440', $candidate) | Out-Null
    Invoke-Native visudo @('-c', '-q', '-f', $candidate) | Out-Null
    Move-Item $candidate $Path -Force
}

function Start-LabNginx {
    # Returns the master PID when this call started nginx, or $null when it was already running.
    & /usr/sbin/service nginx status *> $null
    if ($LASTEXITCODE -eq 0) { return $null }
    Invoke-Native /usr/sbin/service @('nginx', 'start') | Out-Null
    [int](Get-Content /run/nginx.pid -Raw)
}

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Wait-TcpListening {
    # Readiness check, not a sleep: polls the port until it accepts or the deadline passes.
    param([int]$Port, [string]$Address = '127.0.0.1', [int]$TimeoutSeconds = 10)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        $client = [System.Net.Sockets.TcpClient]::new()
        try {
            $client.Connect($Address, $Port)
            return
        }
        catch [System.Net.Sockets.SocketException] {
            [System.Threading.Thread]::Sleep(20)
        }
        finally { $client.Dispose() }
    }
    throw "Nothing listens on ${Address}:$Port after $TimeoutSeconds s."
}

function Start-LabSshd {
    param([Parameter(Mandatory)]$Lab)
    Invoke-Native /usr/sbin/sshd @('-t', '-f', $Lab.ConfigPath) | Out-Null
    Remove-Item $Lab.PidPath -ErrorAction SilentlyContinue
    if ($Lab.NetworkNamespace) {
        # Inside a namespace this process cannot reach, the pid file is the only sign of readiness;
        # the hop's own connection attempts (with their timeouts) find the listener.
        Invoke-Native ip @('netns', 'exec', $Lab.NetworkNamespace, '/usr/sbin/sshd', '-f', $Lab.ConfigPath, '-E', $Lab.LogPath) | Out-Null
    }
    else {
        Invoke-Native /usr/sbin/sshd @('-f', $Lab.ConfigPath, '-E', $Lab.LogPath) | Out-Null
        Wait-TcpListening -Port $Lab.Port -Address $Lab.ComputerName
    }

    # sshd listens a moment before it writes its pid file, and the PID is what stops it later.
    if (-not (Wait-FileExists -Path $Lab.PidPath)) { throw "sshd $($Lab.Name) wrote no pid file: $(Get-Content $Lab.LogPath -Raw)" }
    $Lab.SshdPid = [int](Get-Content $Lab.PidPath -Raw)
}

function Wait-FileExists {
    param([string]$Path, [int]$TimeoutSeconds = 10)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (Test-Path $Path) -or -not (Get-Content $Path -Raw)) {
        if ([DateTime]::UtcNow -gt $deadline) { return $false }
        [System.Threading.Thread]::Sleep(20)
    }
    $true
}

function Stop-ProcessTree {
    # Stops a process and its descendants (sshd's per-connection children), by PID.
    param([int]$ProcessId)
    $children = @(& ps -o pid= --ppid $ProcessId 2>$null | ForEach-Object { [int]$_.Trim() })
    & kill -TERM $ProcessId 2>$null
    foreach ($child in $children) { Stop-ProcessTree -ProcessId $child }
}

function New-LabHostKey {
    # One host key per type the lab was started with (HostKeyPaths: type -> path).
    param([Parameter(Mandatory)]$Lab)
    foreach ($type in $Lab.HostKeyPaths.Keys) {
        $path = $Lab.HostKeyPaths[$type]
        Remove-Item -Path $path, "$path.pub" -ErrorAction SilentlyContinue
        Invoke-Native ssh-keygen @('-q', '-t', $type, '-N', '', '-C', "sentinel-lab-host", '-f', $path) | Out-Null
    }
}

function Start-SentinelLab {
    <#
    .SYNOPSIS
    Starts a lab sshd on 127.0.0.1 and returns its description (port, paths, user, secrets).
    .PARAMETER Port
    The port to listen on; 0 picks a free one.
    .PARAMETER SessionPath
    A PATH for the sessions of this sshd (SetEnv), to make a host where some tool is missing.
    .PARAMETER SessionEnvironment
    More variables for the sessions of this sshd (SetEnv), such as DOCKER_HOST for the lab's engine.
    .PARAMETER ListenAddress
    Addresses to listen on (sshd takes at most 16).
    .PARAMETER NetworkNamespace
    Run sshd inside this network namespace (made by the test run).
    .PARAMETER Replay
    Programs that stand in for tools the machine lacks (docker): a hashtable of command name to the
    replay script's path. Each is installed under that name, with the files in -ReplayData, in a
    folder first on the sessions' PATH (the lab's ReplayRoot), where calls.log is writable by the user.
    .PARAMETER ReplayData
    Files the replays read (captured outputs), copied beside them.
    .PARAMETER KeepHostKey
    Reuse the instance folder's host key when it exists (the demo does, so that its known_hosts
    entry stays valid from one run to the next).
    .PARAMETER HostKeyType
    The host key types sshd gets (rsa, ecdsa, ed25519), one HostKey line each in the order given; the
    lab's HostKeyPaths maps each type to its private key file, HostKeyPath is the first one's.
    .PARAMETER AuthorizedKeysFile
    sshd's AuthorizedKeysFile instead of the lab's own folder (for example '.ssh/authorized_keys', where
    Install-SentinelKey writes).
    .PARAMETER AllowUser
    More users sshd lets in besides the lab's (a test's throwaway user).
    .PARAMETER ExtraConfig
    sshd_config lines placed before the lab's own, so they win (sshd takes a keyword's first value):
    'UsePAM yes', 'PasswordAuthentication no', 'TrustedUserCAKeys <file>', 'HostCertificate <file>'...
    Not MaxStartups: sshd takes its last value (-MaxStartups sets it).
    .PARAMETER MaxStartups
    sshd's MaxStartups: how many unauthenticated connections it keeps before it drops new ones.
    #>
    param([int]$Port = 0, [string]$Name, [switch]$KeepHostKey, [ValidateSet('rsa', 'ecdsa', 'ed25519')][string[]]$HostKeyType = @('ed25519'), [switch]$NoNginx, [string]$SessionPath, [hashtable]$SessionEnvironment = @{},
        [string[]]$ListenAddress = @('127.0.0.1'), [string]$NetworkNamespace, [hashtable]$Replay, [string[]]$ReplayData = @(),
        [string]$AuthorizedKeysFile = "$($script:SecretsRoot)/authorized_keys/%u", [string[]]$AllowUser = @(), [string[]]$ExtraConfig = @(),
        [string]$MaxStartups = '200:30:400')

    Install-SentinelLabPrerequisites
    Initialize-LabSecrets
    Initialize-LabUsers
    Initialize-LabSudoers
    New-Item -ItemType Directory -Path /run/sshd -Force | Out-Null

    if ($Port -eq 0) { $Port = Get-FreeTcpPort }
    if (-not $Name) { $Name = "sshd-$Port" }
    $root = Join-Path $script:InstancesRoot $Name
    New-Item -ItemType Directory -Path $root -Force | Out-Null

    $lab = [pscustomobject]@{
        Name               = $Name
        Root               = $root
        ComputerName       = $ListenAddress[0]
        NetworkNamespace   = $NetworkNamespace
        Port               = $Port
        UserName           = $script:LabUser
        TtyUserName        = $script:TtyUser
        NoPasswordRuleUserName = $script:NoPasswordRuleUser
        FishUserName       = $script:FishUser
        Password           = (Get-Content (Join-Path $script:SecretsRoot 'password') -Raw)
        KeyPath            = (Join-Path $script:SecretsRoot 'id_ed25519')
        EncryptedKeyPath   = (Join-Path $script:SecretsRoot 'id_ed25519_encrypted')
        KeyPassphrase      = (Get-Content (Join-Path $script:SecretsRoot 'passphrase') -Raw)
        HostKeyPath        = (Join-Path $root "ssh_host_$($HostKeyType[0])_key")
        HostKeyPaths       = [ordered]@{}
        ConfigPath         = (Join-Path $root 'sshd_config')
        PidPath            = (Join-Path $root 'sshd.pid')
        LogPath            = (Join-Path $root 'sshd.log')
        SshdPid            = 0
        StartedNginxPid    = $null
        KeepFiles          = [bool]$KeepHostKey
        ReplayRoot         = $null
    }

    if ($Replay) {
        $lab.ReplayRoot = Join-Path $root 'replay'
        New-Item -ItemType Directory -Path $lab.ReplayRoot -Force | Out-Null
        foreach ($command in $Replay.Keys) {
            Copy-Item $Replay[$command] (Join-Path $lab.ReplayRoot $command) -Force
            Invoke-Native chmod @('755', (Join-Path $lab.ReplayRoot $command)) | Out-Null
        }
        if ($ReplayData) { Copy-Item $ReplayData $lab.ReplayRoot -Force }
        $calls = Join-Path $lab.ReplayRoot 'calls.log'
        [System.IO.File]::WriteAllText($calls, '')
        Invoke-Native chmod @('755', $root, $lab.ReplayRoot) | Out-Null
        Invoke-Native chmod @('666', $calls) | Out-Null
        if (-not $SessionPath) { $SessionPath = '/usr/local/bin:/usr/bin:/bin' }
        $SessionPath = "$($lab.ReplayRoot):$SessionPath"
    }

    foreach ($type in $HostKeyType) { $lab.HostKeyPaths[$type] = Join-Path $root "ssh_host_${type}_key" }
    if (-not ($KeepHostKey -and (Test-Path $lab.HostKeyPath))) { New-LabHostKey -Lab $lab }
    # sshd takes the first SetEnv line only, so every variable goes on one.
    $environment = @($SessionEnvironment.Keys | ForEach-Object { "$_=$($SessionEnvironment[$_])" })
    if ($SessionPath) { $environment += "PATH=$SessionPath" }
    Set-Content -Path $lab.ConfigPath -Value @"
$($ExtraConfig -join "`n")
Port $Port
$(($ListenAddress | ForEach-Object { "ListenAddress $_" }) -join "`n")
$(($lab.HostKeyPaths.Values | ForEach-Object { "HostKey $_" }) -join "`n")
PidFile $($lab.PidPath)
AuthorizedKeysFile $AuthorizedKeysFile
AllowUsers $((@($script:LabUser, $script:TtyUser, $script:NoPasswordRuleUser, $script:FishUser) + $AllowUser) -join ' ')
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
UsePAM no
MaxSessions 10
Subsystem sftp /usr/lib/openssh/sftp-server
MaxStartups $MaxStartups
LogLevel VERBOSE
$(if ($environment) { "SetEnv $($environment -join ' ')" })
"@
    Start-LabSshd -Lab $lab
    if (-not $NoNginx) { $lab.StartedNginxPid = Start-LabNginx }
    $lab
}

function Restart-SentinelLab {
    <# Restarts a lab's sshd on the same port; -NewHostKey gives it a new host key first. #>
    param([Parameter(Mandatory)]$Lab, [switch]$NewHostKey)
    Stop-ProcessTree -ProcessId $Lab.SshdPid
    Wait-ProcessExit -ProcessId $Lab.SshdPid
    if ($NewHostKey) { New-LabHostKey -Lab $Lab }
    Start-LabSshd -Lab $Lab
}

function Wait-ProcessExit {
    param([int]$ProcessId, [int]$TimeoutSeconds = 10)
    $process = Get-Process -Id $ProcessId -ErrorAction SilentlyContinue
    if ($process -and -not $process.WaitForExit($TimeoutSeconds * 1000)) {
        & kill -KILL $ProcessId 2>$null
    }
}

function Stop-SentinelLab {
    <# Stops the lab's sshd (and its connection processes) and the nginx it started, by PID. #>
    param([Parameter(Mandatory)]$Lab)
    if ($Lab.SshdPid) {
        Stop-ProcessTree -ProcessId $Lab.SshdPid
        Wait-ProcessExit -ProcessId $Lab.SshdPid
    }
    if ($Lab.StartedNginxPid) {
        # Tests restart nginx (a new master PID), so stop the master nginx's own pid file names now.
        $nginxPid = if (Test-Path /run/nginx.pid) { [int](Get-Content /run/nginx.pid -Raw) } else { $Lab.StartedNginxPid }
        Stop-ProcessTree -ProcessId $nginxPid
        Wait-ProcessExit -ProcessId $nginxPid
    }
    if (-not $Lab.KeepFiles) { Remove-Item $Lab.Root -Recurse -Force -ErrorAction SilentlyContinue }
}

function Get-SentinelLabConnectionProcess {
    <# The PIDs of the lab sshd's per-connection processes (not the listener, not the commands they run). #>
    param([Parameter(Mandatory)]$Lab)
    $pending = [System.Collections.Generic.Queue[int]]::new()
    $pending.Enqueue($Lab.SshdPid)
    while ($pending.Count -gt 0) {
        foreach ($line in @(& ps -o pid=,comm= --ppid $pending.Dequeue() 2>$null)) {
            $processId, $name = $line.Trim() -split '\s+', 2
            if ($name -eq 'sshd') {
                [int]$processId
                $pending.Enqueue([int]$processId)
            }
        }
    }
}

function Start-SentinelLabFleet {
    <#
    .SYNOPSIS
    Many hosts on loopback: 127.0.0.2 and up, all on one port, served by as many sshd instances as
    it takes (one sshd listens on at most 16 addresses).
    #>
    param([Parameter(Mandatory)][ValidateRange(1, 200)][int]$Count)
    $port = Get-FreeTcpPort
    $addresses = @(2..($Count + 1) | ForEach-Object { "127.0.0.$_" })
    $labs = for ($first = 0; $first -lt $Count; $first += 16) {
        $group = $addresses[$first..([Math]::Min($first + 15, $Count - 1))]
        Start-SentinelLab -Port $port -Name "fleet-$port-$first" -ListenAddress $group -NoNginx
    }
    [pscustomobject]@{ Addresses = $addresses; Port = $port; Labs = @($labs) }
}

function Stop-SentinelLabFleet {
    param([Parameter(Mandatory)]$Fleet)
    foreach ($lab in $Fleet.Labs) { Stop-SentinelLab -Lab $lab }
}

function Start-SentinelLabWideFleet {
    <#
    .SYNOPSIS
    A wide fleet for fan-out at scale: up to 2,032 healthy hosts and up to 254 black holes, served by one
    lab sshd in a network namespace of its own.
    .DESCRIPTION
    Makes the namespace sentinel-wide-<port> with its loopback up, and starts one Start-SentinelLab sshd
    in it listening on 0.0.0.0 (MaxStartups 2000, so a thousand handshakes at once are not dropped by
    sshd's own limit). In a namespace the whole of 127.0.0.0/8 is local, so that sshd answers on every
    127.x.y.z address: healthy hosts are 127.0.1.1 .. 127.0.1.254, 127.0.2.1 ... (never .0 or .255),
    black holes 127.0.9.1 and up, where an iptables rule in the namespace drops every TCP packet
    (`-A INPUT -d 127.0.9.0/24 -p tcp -j DROP`): a connect there hangs until the client gives up, as
    towards a host that is off, not 'connection refused'.

    Clients must run inside the namespace to reach any of it:
        ip netns exec <Namespace> dotnet pwsh -NoProfile -File ...
        ip netns exec <Namespace> ssh -i <Lab.KeyPath> -o UserKnownHostsFile=<KnownHostsFile> -o StrictHostKeyChecking=yes -p <Port> sentinel@127.0.4.17 echo ok

    Every host is the same sshd on this machine's CPUs, so the server side of every handshake competes
    with the client for them; sshd accepts through one listen queue of 128 (SSH_LISTEN_BACKLOG).
    .PARAMETER Count
    Healthy hosts, from 127.0.1.1 on, 254 per /24 (127.0.1.x .. 127.0.8.x).
    .PARAMETER BlackHoleCount
    Black holes, from 127.0.9.1 on.
    .PARAMETER CpuList
    A taskset CPU list (such as '1') the sshd listener is pinned to, with -a, so every connection process
    it forks inherits the pinning.
    .OUTPUTS
    Namespace, Port, Addresses (healthy), BlackHoles, Lab (Start-SentinelLab's object: KeyPath, UserName,
    LogPath...), KnownHostsFile (one line per healthy and black-hole address, `[addr]:port <type> <key>`,
    all the sshd's one host key, for strict host-key checking), CpuList.
    #>
    param([Parameter(Mandatory)][ValidateRange(1, 2032)][int]$Count, [ValidateRange(0, 254)][int]$BlackHoleCount = 0, [string]$CpuList)
    $port = Get-FreeTcpPort
    $fleet = [pscustomobject]@{
        Namespace      = "sentinel-wide-$port"
        Port           = $port
        Addresses      = @(0..($Count - 1) | ForEach-Object { '127.0.{0}.{1}' -f (1 + [Math]::Floor($_ / 254)), (1 + $_ % 254) })
        BlackHoles     = if ($BlackHoleCount) { @(1..$BlackHoleCount | ForEach-Object { "127.0.9.$_" }) } else { @() }
        Lab            = $null
        KnownHostsFile = $null
        CpuList        = $CpuList
    }
    try {
        Invoke-Native ip @('netns', 'add', $fleet.Namespace) | Out-Null
        Invoke-Native ip @('-n', $fleet.Namespace, 'link', 'set', 'lo', 'up') | Out-Null
        Invoke-Native ip @('netns', 'exec', $fleet.Namespace, 'iptables', '-A', 'INPUT', '-d', '127.0.9.0/24', '-p', 'tcp', '-j', 'DROP') | Out-Null
        $fleet.Lab = Start-SentinelLab -Port $port -Name "wide-$port" -ListenAddress '0.0.0.0' -NetworkNamespace $fleet.Namespace -NoNginx -MaxStartups 2000
        if ($CpuList) { Invoke-Native taskset @('-a', '-p', '-c', $CpuList, "$($fleet.Lab.SshdPid)") | Out-Null }

        # Readiness and the host key in one: ssh-keyscan from inside the namespace, until it answers.
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        $scanned = $null
        while (-not $scanned) {
            $scanned = @(& ip netns exec $fleet.Namespace ssh-keyscan -T 2 -t ed25519 -p $port 127.0.1.1 2>$null) | Where-Object { $_ -and -not $_.StartsWith('#') } | Select-Object -First 1
            if (-not $scanned -and [DateTime]::UtcNow -gt $deadline) { throw "The wide fleet's sshd does not answer on 127.0.1.1:$port in $($fleet.Namespace): $(Get-Content $fleet.Lab.LogPath -Raw)" }
            if (-not $scanned) { [System.Threading.Thread]::Sleep(50) }
        }
        $key = ($scanned -split '\s+', 2)[1]
        $fleet.KnownHostsFile = Join-Path $fleet.Lab.Root 'known_hosts'
        [IO.File]::WriteAllLines($fleet.KnownHostsFile, [string[]]@(@($fleet.Addresses) + @($fleet.BlackHoles) | ForEach-Object { "[$_]:$port $key" }))
        $fleet
    }
    catch {
        Stop-SentinelLabWideFleet -Fleet $fleet
        throw
    }
}

function Stop-SentinelLabWideFleet {
    <# Stops the wide fleet's sshd (and its connection processes) and deletes its namespace. #>
    param([Parameter(Mandatory)]$Fleet)
    if ($Fleet.Lab) { Stop-SentinelLab -Lab $Fleet.Lab }
    & ip netns del $Fleet.Namespace 2>$null
}

function Start-SentinelLabBastion {
    <#
    .SYNOPSIS
    A target that only a bastion can reach, in two network namespaces made by this run:
      this machine --veth 10.213.77.0/30--> bastion ns (sshd on .2:22)
                   bastion ns --veth 10.213.78.0/30--> target ns (sshd on .2:22, and an inner
                   sshd on the target ns's own 127.0.0.1:2200 for a two-hop chain).
    The direct path must fail here, on this machine: an 'unreachable' route for 10.213.78.0/30 makes
    the kernel refuse it at once, so no packet for it ever takes the default route off the machine.
    #>
    $id = '{0:x4}' -f (Get-Random -Maximum 65535)
    $net = [pscustomobject]@{
        BastionNamespace = "sl-bastion-$id"; TargetNamespace = "sl-target-$id"
        HostLink = "slh$id"; BastionLink = "slb$id"; BastionInner = "slc$id"; TargetLink = "slt$id"
        BastionAddress = '10.213.77.2'; TargetAddress = '10.213.78.2'; InnerAddress = '127.0.0.1'; InnerPort = 2200
        Labs = @()
    }
    try {
        foreach ($namespace in $net.BastionNamespace, $net.TargetNamespace) {
            Invoke-Native ip @('netns', 'add', $namespace) | Out-Null
            Invoke-Native ip @('netns', 'exec', $namespace, 'ip', 'link', 'set', 'lo', 'up') | Out-Null
        }
        Invoke-Native ip @('route', 'replace', 'unreachable', '10.213.78.0/30') | Out-Null
        $net | Add-Member -NotePropertyName UnreachableRoute -NotePropertyValue '10.213.78.0/30'
        Invoke-Native ip @('link', 'add', $net.HostLink, 'type', 'veth', 'peer', 'name', $net.BastionLink) | Out-Null
        Invoke-Native ip @('link', 'set', $net.BastionLink, 'netns', $net.BastionNamespace) | Out-Null
        Invoke-Native ip @('addr', 'add', '10.213.77.1/30', 'dev', $net.HostLink) | Out-Null
        Invoke-Native ip @('link', 'set', $net.HostLink, 'up') | Out-Null
        Invoke-Native ip @('netns', 'exec', $net.BastionNamespace, 'ip', 'addr', 'add', '10.213.77.2/30', 'dev', $net.BastionLink) | Out-Null
        Invoke-Native ip @('netns', 'exec', $net.BastionNamespace, 'ip', 'link', 'set', $net.BastionLink, 'up') | Out-Null

        Invoke-Native ip @('netns', 'exec', $net.BastionNamespace, 'ip', 'link', 'add', $net.BastionInner, 'type', 'veth', 'peer', 'name', $net.TargetLink) | Out-Null
        Invoke-Native ip @('netns', 'exec', $net.BastionNamespace, 'ip', 'link', 'set', $net.TargetLink, 'netns', $net.TargetNamespace) | Out-Null
        Invoke-Native ip @('netns', 'exec', $net.BastionNamespace, 'ip', 'addr', 'add', '10.213.78.1/30', 'dev', $net.BastionInner) | Out-Null
        Invoke-Native ip @('netns', 'exec', $net.BastionNamespace, 'ip', 'link', 'set', $net.BastionInner, 'up') | Out-Null
        Invoke-Native ip @('netns', 'exec', $net.TargetNamespace, 'ip', 'addr', 'add', '10.213.78.2/30', 'dev', $net.TargetLink) | Out-Null
        Invoke-Native ip @('netns', 'exec', $net.TargetNamespace, 'ip', 'link', 'set', $net.TargetLink, 'up') | Out-Null

        $net.Labs = @(
            Start-SentinelLab -Port 22 -Name "bastion-$id" -ListenAddress $net.BastionAddress -NetworkNamespace $net.BastionNamespace -NoNginx
            Start-SentinelLab -Port 22 -Name "target-$id" -ListenAddress $net.TargetAddress -NetworkNamespace $net.TargetNamespace -NoNginx
            Start-SentinelLab -Port $net.InnerPort -Name "inner-$id" -ListenAddress $net.InnerAddress -NetworkNamespace $net.TargetNamespace -NoNginx
        )
        $net
    }
    catch {
        Stop-SentinelLabBastion -Network $net
        throw
    }
}

function Stop-SentinelLabBastion {
    param([Parameter(Mandatory)]$Network)
    foreach ($lab in $Network.Labs) { Stop-SentinelLab -Lab $lab }
    & ip link del $Network.HostLink 2>$null
    if ($Network.PSObject.Properties['UnreachableRoute']) { & ip route del unreachable $Network.UnreachableRoute 2>$null }
    foreach ($namespace in $Network.BastionNamespace, $Network.TargetNamespace) { & ip netns del $namespace 2>$null }
}

function Start-SentinelTinySsh {
    <#
    .SYNOPSIS
    Starts tinysshd on 127.0.0.1 (a free port), under tcpserver, and returns its description.
    .DESCRIPTION
    tinysshd allows one channel per connection and closes the connection after it; it takes only
    publickey logins (ed25519) from ~/.ssh/authorized_keys. Each instance has a throwaway user of its own
    (the lab's password and key, sudo for everything with a password), so no other test's
    authorized_keys is touched; Stop-SentinelTinySsh removes the user.
    .PARAMETER NoSftp
    Without the sftp subsystem (tinysshd has none of its own; -x runs OpenSSH's sftp-server).
    #>
    param([switch]$NoSftp)
    Install-SentinelLabPrerequisites
    Initialize-LabSecrets
    $port = Get-FreeTcpPort
    $suffix = [guid]::NewGuid().ToString('N').Substring(0, 6)
    $user = "sentinel-tiny-$suffix"
    $root = Join-Path $script:InstancesRoot "tinysshd-$port"
    New-Item -ItemType Directory -Path $root -Force | Out-Null
    $password = Get-Content (Join-Path $script:SecretsRoot 'password') -Raw
    Invoke-Native useradd @('--create-home', '--shell', '/bin/bash', $user) | Out-Null
    Invoke-Native chpasswd -InputText "${user}:$password" | Out-Null
    $userHome = (& getent passwd $user).Split(':')[5]
    New-Item -ItemType Directory -Path "$userHome/.ssh" -Force | Out-Null
    Copy-Item (Join-Path $script:SecretsRoot 'id_ed25519.pub') "$userHome/.ssh/authorized_keys"
    Invoke-Native chown @('-R', "${user}:", "$userHome/.ssh") | Out-Null
    Invoke-Native chmod @('700', "$userHome/.ssh") | Out-Null
    Invoke-Native chmod @('600', "$userHome/.ssh/authorized_keys") | Out-Null
    $sudoers = "$($script:SudoersFile)-tiny-$suffix"
    Set-LabSudoersFile -Path $sudoers -Rules "Defaults:$user timestamp_timeout=0`n$user ALL=(ALL) ALL"

    $keyDir = Join-Path $root 'keys'
    Remove-Item $keyDir -Recurse -Force -ErrorAction SilentlyContinue
    Invoke-Native tinysshd-makekey @($keyDir) | Out-Null
    $daemon = @('-v') + $(if ($NoSftp) { @() } else { @('-x', 'sftp=/usr/lib/openssh/sftp-server') }) + @($keyDir)
    $log = Join-Path $root 'tinysshd.log'
    # -H -R: no DNS or ident lookups; -D: no Nagle delay; -l0: local name without a lookup.
    $server = Start-Process -FilePath /usr/bin/tcpserver -ArgumentList (@('-HRDl0', '127.0.0.1', $port, '/usr/sbin/tinysshd') + $daemon) -RedirectStandardError $log -RedirectStandardOutput (Join-Path $root 'tcpserver.out') -PassThru
    Wait-TcpListening -Port $port
    [pscustomobject]@{
        Name         = "tinysshd-$port"
        Root         = $root
        ComputerName = '127.0.0.1'
        Port         = $port
        UserName     = $user
        UserHome     = $userHome
        Password     = $password
        KeyPath      = (Join-Path $script:SecretsRoot 'id_ed25519')
        SudoersPath  = $sudoers
        LogPath      = $log
        ServerPid    = $server.Id
    }
}

function Stop-SentinelTinySsh {
    <# Stops the instance's tcpserver and the tinysshd processes it started, by PID, and removes its user. #>
    param([Parameter(Mandatory)]$Server)
    Stop-ProcessTree -ProcessId $Server.ServerPid
    Wait-ProcessExit -ProcessId $Server.ServerPid
    Remove-Item $Server.SudoersPath -Force -ErrorAction SilentlyContinue
    & userdel --remove $Server.UserName 2>$null
    Remove-Item $Server.Root -Recurse -Force -ErrorAction SilentlyContinue
}

function Get-SentinelLabAccount {
    <# The lab user and its secrets (made on first use), for servers other than the lab sshd to accept. #>
    Initialize-LabSecrets
    Initialize-LabUsers
    [pscustomobject]@{
        UserName           = $script:LabUser
        Password           = (Get-Content (Join-Path $script:SecretsRoot 'password') -Raw)
        KeyPath            = (Join-Path $script:SecretsRoot 'id_ed25519')
        AuthorizedKeysRoot = (Join-Path $script:SecretsRoot 'authorized_keys')
    }
}

function Get-SentinelLabCredential {
    <# The lab user's password as a PSCredential. #>
    param([Parameter(Mandatory)]$Lab)
    [pscredential]::new($Lab.UserName, (ConvertTo-SecureString $Lab.Password -AsPlainText -Force))
}

Export-ModuleMember -Function Install-SentinelLabPrerequisites, Start-SentinelTinySsh, Stop-SentinelTinySsh, Invoke-Native, Stop-ProcessTree, Wait-ProcessExit, Get-SentinelLabAccount, Start-SentinelLab, Stop-SentinelLab, Restart-SentinelLab, Get-SentinelLabCredential, Get-SentinelLabConnectionProcess, Start-SentinelLabFleet, Stop-SentinelLabFleet, Start-SentinelLabWideFleet, Stop-SentinelLabWideFleet, Start-SentinelLabBastion, Stop-SentinelLabBastion, Get-FreeTcpPort, Wait-TcpListening
