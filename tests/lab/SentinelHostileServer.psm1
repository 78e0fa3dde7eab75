# The lab's AsyncSSH servers (Debian's python3-asyncssh), each on 127.0.0.1 on a free port with its
# own host key in a temp folder, taking the lab user and password, stopped by its PID:
# - hostile_sftp_server.py (issue 20) serves a scripted fake file system over SFTP and answers
#   sha256sum for it. Scenarios are listed in the script (name-<case>, dotdot-listing,
#   endless-listing, endless-tree, symlink-loop, wrong-hash, missing-hash, cut-connection, huge-size,
#   long-read).
# - second_factor_server.py (issue 22) asks for a one-time code, alone or after the password.

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module (Join-Path $PSScriptRoot 'SentinelLab.psm1')

# Debian's python3 has asyncssh; the python3 first on PATH may be another one without it.
$script:Python = '/usr/bin/python3'
$script:Script = Join-Path $PSScriptRoot 'hostile_sftp_server.py'

function Start-LabAsyncSshServer {
    # Starts one of the lab's AsyncSSH servers (a Python script taking --port, --host-key, --user,
    # --password-file and --log, plus -ArgumentList) in a private temp folder with its own host key;
    # returns its description (port, known_hosts file, credential, PID).
    param([Parameter(Mandatory)][string]$Script, [Parameter(Mandatory)][string]$Description, [string[]]$ArgumentList = @())
    Install-SentinelLabPrerequisites
    $account = Get-SentinelLabAccount
    $root = Join-Path ([System.IO.Path]::GetTempPath()) "sentinel-asyncssh-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    New-Item -ItemType Directory -Path $root | Out-Null
    & chmod 700 $root
    $hostKey = Join-Path $root 'ssh_host_ed25519_key'
    Invoke-Native ssh-keygen @('-q', '-t', 'ed25519', '-N', '', '-C', 'sentinel-asyncssh-host', '-f', $hostKey) | Out-Null
    $passwordFile = Join-Path $root 'password'
    [System.IO.File]::WriteAllText($passwordFile, $account.Password)
    $port = Get-FreeTcpPort
    $knownHosts = Join-Path $root 'known_hosts'
    $publicKey = (Get-Content "$hostKey.pub" -Raw).Trim().Split(' ')
    [System.IO.File]::WriteAllText($knownHosts, "[127.0.0.1]:$port $($publicKey[0]) $($publicKey[1])`n")
    $log = Join-Path $root 'server.log'
    $arguments = @((Join-Path $PSScriptRoot $Script), '--port', $port, '--host-key', $hostKey, '--user', $account.UserName, '--password-file', $passwordFile, '--log', $log) + $ArgumentList
    $process = Start-Process -FilePath $script:Python -ArgumentList $arguments -PassThru -RedirectStandardError (Join-Path $root 'stderr.log') -RedirectStandardOutput (Join-Path $root 'stdout.log')
    try { Wait-TcpListening -Port $port -TimeoutSeconds 30 }
    catch {
        Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
        throw "The $Description did not start: $(Get-Content (Join-Path $root 'stderr.log') -Raw)"
    }
    [pscustomobject]@{
        ComputerName   = '127.0.0.1'
        Port           = $port
        Credential     = [pscredential]::new($account.UserName, (ConvertTo-SecureString $account.Password -AsPlainText -Force))
        KnownHostsFile = $knownHosts
        Root           = $root
        LogPath        = $log
        ProcessId      = $process.Id
    }
}

function Start-SentinelHostileServer {
    <#
    .SYNOPSIS
    Starts the hostile server with one scenario; returns its description (port, known_hosts file, credential, PID).
    #>
    param([Parameter(Mandatory)][string]$Scenario)
    $server = Start-LabAsyncSshServer -Script 'hostile_sftp_server.py' -Description "hostile server ($Scenario)" -ArgumentList '--scenario', $Scenario
    $server | Add-Member -NotePropertyName Scenario -NotePropertyValue $Scenario -PassThru
}

function Start-SentinelSecondFactorServer {
    <#
    .SYNOPSIS
    Starts second_factor_server.py: a login that asks 'Verification code:' by keyboard-interactive,
    alone (-Scenario code) or after a password that succeeds partially (-Scenario password-then-code).
    The description's Code is the one-time code it accepts.
    #>
    param([Parameter(Mandatory)][ValidateSet('code', 'password-then-code')][string]$Scenario)
    $code = [string](Get-Random -Minimum 100000 -Maximum 999999)
    $server = Start-LabAsyncSshServer -Script 'second_factor_server.py' -Description "second-factor server ($Scenario)" -ArgumentList '--scenario', $Scenario, '--code', $code
    $server | Add-Member -NotePropertyName Scenario -NotePropertyValue $Scenario
    $server | Add-Member -NotePropertyName Code -NotePropertyValue $code -PassThru
}

function Stop-SentinelHostileServer {
    <# Stops a server of this module (hostile or second-factor) by its PID and removes its folder. #>
    param([Parameter(Mandatory)]$Server)
    & kill -TERM $Server.ProcessId 2>$null
    Wait-ProcessExit -ProcessId $Server.ProcessId
    Remove-Item $Server.Root -Recurse -Force -ErrorAction SilentlyContinue
}

Export-ModuleMember -Function Start-SentinelHostileServer, Start-SentinelSecondFactorServer, Stop-SentinelHostileServer
