<#
.SYNOPSIS
Throughput of SSH.NET itself (the library Sentinel ships in dependencies/Core) with one cipher forced.

.DESCRIPTION
Sentinel has no cipher parameter, so its own throughput can only be measured with the cipher it
negotiates by default. This script loads the module's copy of SSH.NET in a fresh pwsh, offers only
-Cipher, checks the host key against the shared known_hosts file (SHA-256 of the key blob, strict:
no entry, no connection), and times one SshCommand.Execute of -Command (connection not timed).
It prints one JSON line like the Python peers. It measures the library, not Sentinel's cmdlets.
#>
param(
    [Parameter(Mandatory)][string]$DependencyPath,
    [Parameter(Mandatory)][int]$Port,
    [Parameter(Mandatory)][string]$KeyFile,
    [Parameter(Mandatory)][string]$KnownHostsFile,
    [Parameter(Mandatory)][string]$Cipher,
    [Parameter(Mandatory)][string]$Command,
    [Parameter(Mandatory)][long]$Bytes,
    [Parameter(Mandatory)][string]$Sha256,
    [string]$HostName = '127.0.0.1',
    [string]$UserName = 'sentinel'
)
$ErrorActionPreference = 'Stop'
foreach ($name in 'BouncyCastle.Cryptography', 'Microsoft.Extensions.DependencyInjection.Abstractions', 'Microsoft.Extensions.Logging.Abstractions', 'Renci.SshNet') {
    Add-Type -Path (Join-Path $DependencyPath "$name.dll")
}
$pattern = if ($Port -eq 22) { $HostName } else { "[$HostName]:$Port" }
$known = @(Get-Content $KnownHostsFile | Where-Object { ($_ -split ' ')[0] -eq $pattern } | ForEach-Object {
        [Convert]::ToBase64String([Security.Cryptography.SHA256]::HashData([Convert]::FromBase64String(($_ -split ' ')[2]))).TrimEnd('=')
    })
$info = [Renci.SshNet.PrivateKeyConnectionInfo]::new($HostName, $Port, $UserName, [Renci.SshNet.PrivateKeyFile]::new($KeyFile))
if (-not $info.Encryptions.ContainsKey($Cipher)) { throw "SSH.NET does not offer $Cipher." }
$keep = $info.Encryptions[$Cipher]
$info.Encryptions.Clear()
$info.Encryptions[$Cipher] = $keep
$client = [Renci.SshNet.SshClient]::new($info)
# The handler runs on SSH.NET's receive thread, where no runspace exists: a compiled C# handler.
Add-Type -IgnoreWarnings -WarningAction SilentlyContinue -ReferencedAssemblies (Join-Path $DependencyPath 'Renci.SshNet.dll') -TypeDefinition @'
public static class BenchHostKeyCheck {
    public static void Attach(Renci.SshNet.SshClient client, string[] known) {
        client.HostKeyReceived += (sender, e) => { e.CanTrust = System.Array.IndexOf(known, e.FingerPrintSHA256) >= 0; };
    }
}
'@
[BenchHostKeyCheck]::Attach($client, [string[]]$known)
try {
    $client.Connect()
    $negotiated = $client.ConnectionInfo.CurrentServerEncryption
    $ssh = $client.CreateCommand($Command)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $null = $ssh.Execute()
    $seconds = $clock.Elapsed.TotalSeconds
    $got = [Text.Encoding]::UTF8.GetBytes($ssh.Result)
    $ok = $ssh.ExitStatus -eq 0 -and $got.Length -eq $Bytes -and [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($got)).ToLowerInvariant() -eq $Sha256
    @{ seconds = $seconds; bytes = $got.Length; verified = $ok; cipher = $negotiated; failures = [int](-not $ok) } | ConvertTo-Json -Compress
}
finally { $client.Dispose() }
