# A hostile SSH server for the tests of issue 20: hostile_sftp_server.py (Debian's python3-asyncssh)
# serves a scripted fake file system over SFTP and answers sha256sum for it. It listens on
# 127.0.0.1 on a free port with its own host key in a temp folder, takes the lab user and password,
# and is stopped by its PID. Scenarios are listed in the script (name-<case>, dotdot-listing,
# endless-listing, endless-tree, symlink-loop, wrong-hash, missing-hash, cut-connection, huge-size,
# long-read).

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

Import-Module (Join-Path $PSScriptRoot 'SentinelLab.psm1')

# Debian's python3 has asyncssh; the python3 first on PATH may be another one without it.
$script:Python = '/usr/bin/python3'
$script:Script = Join-Path $PSScriptRoot 'hostile_sftp_server.py'

function Start-SentinelHostileServer {
    <#
    .SYNOPSIS
    Starts the hostile server with one scenario; returns its description (port, known_hosts file, credential, PID).
    #>
    param([Parameter(Mandatory)][string]$Scenario)
    Install-SentinelLabPrerequisites
    $account = Get-SentinelLabAccount
    $root = Join-Path ([System.IO.Path]::GetTempPath()) "sentinel-hostile-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    New-Item -ItemType Directory -Path $root | Out-Null
    & chmod 700 $root
    $hostKey = Join-Path $root 'ssh_host_ed25519_key'
    Invoke-Native ssh-keygen @('-q', '-t', 'ed25519', '-N', '', '-C', 'sentinel-hostile-host', '-f', $hostKey) | Out-Null
    $passwordFile = Join-Path $root 'password'
    [System.IO.File]::WriteAllText($passwordFile, $account.Password)
    $port = Get-FreeTcpPort
    $knownHosts = Join-Path $root 'known_hosts'
    $publicKey = (Get-Content "$hostKey.pub" -Raw).Trim().Split(' ')
    [System.IO.File]::WriteAllText($knownHosts, "[127.0.0.1]:$port $($publicKey[0]) $($publicKey[1])`n")
    $log = Join-Path $root 'server.log'
    $arguments = @($script:Script, '--port', $port, '--host-key', $hostKey, '--user', $account.UserName, '--password-file', $passwordFile, '--scenario', $Scenario, '--log', $log)
    $process = Start-Process -FilePath $script:Python -ArgumentList $arguments -PassThru -RedirectStandardError (Join-Path $root 'stderr.log') -RedirectStandardOutput (Join-Path $root 'stdout.log')
    try { Wait-TcpListening -Port $port -TimeoutSeconds 30 }
    catch {
        Stop-Process -Id $process.Id -Force -ErrorAction SilentlyContinue
        throw "The hostile server ($Scenario) did not start: $(Get-Content (Join-Path $root 'stderr.log') -Raw)"
    }
    [pscustomobject]@{
        Scenario       = $Scenario
        ComputerName   = '127.0.0.1'
        Port           = $port
        Credential     = [pscredential]::new($account.UserName, (ConvertTo-SecureString $account.Password -AsPlainText -Force))
        KnownHostsFile = $knownHosts
        Root           = $root
        LogPath        = $log
        ProcessId      = $process.Id
    }
}

function Stop-SentinelHostileServer {
    <# Stops the hostile server by its PID and removes its folder. #>
    param([Parameter(Mandatory)]$Server)
    & kill -TERM $Server.ProcessId 2>$null
    Wait-ProcessExit -ProcessId $Server.ProcessId
    Remove-Item $Server.Root -Recurse -Force -ErrorAction SilentlyContinue
}

Export-ModuleMember -Function Start-SentinelHostileServer, Stop-SentinelHostileServer
