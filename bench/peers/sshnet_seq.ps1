<#
.SYNOPSIS
Sequential `true` commands over one connection with SSH.NET itself: the library Sentinel ships
(dependencies/Core), used directly, without Sentinel's cmdlets.

.DESCRIPTION
Shows how much of Sentinel's per-command time is the library's. Loads the module's copy of SSH.NET
in a fresh pwsh, checks the host key against the shared known_hosts file (SHA-256 of the key blob,
strict: no entry, no connection), runs -WarmUp commands untimed as Sentinel's loop does, then times
-Count `SshCommand.Execute()` calls. Prints one JSON line like the Python peers.
#>
param(
    [Parameter(Mandatory)][string]$DependencyPath,
    [Parameter(Mandatory)][int]$Port,
    [Parameter(Mandatory)][string]$KeyFile,
    [Parameter(Mandatory)][string]$KnownHostsFile,
    [Parameter(Mandatory)][int]$Count,
    [int]$WarmUp = 50,
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
$client = [Renci.SshNet.SshClient]::new([Renci.SshNet.PrivateKeyConnectionInfo]::new($HostName, $Port, $UserName, [Renci.SshNet.PrivateKeyFile]::new($KeyFile)))
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
    for ($i = 0; $i -lt $WarmUp; $i++) { $command = $client.CreateCommand('true'); $null = $command.Execute(); $command.Dispose() }
    $failures = 0
    $clock = [Diagnostics.Stopwatch]::StartNew()
    for ($i = 0; $i -lt $Count; $i++) {
        $command = $client.CreateCommand('true')
        $null = $command.Execute()
        if ($command.ExitStatus -ne 0) { $failures++ }
        $command.Dispose()
    }
    @{ seconds = $clock.Elapsed.TotalSeconds; count = $Count; failures = $failures } | ConvertTo-Json -Compress
}
finally { $client.Dispose() }
