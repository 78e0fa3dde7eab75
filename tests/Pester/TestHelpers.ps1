# Shared by every Pester file: where the built module is, the lab, and small helpers.
# Dot-source it in BeforeAll.

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModulePath = if ($env:SENTINEL_MODULE) { $env:SENTINEL_MODULE } else {
    (Get-ChildItem (Join-Path $script:RepoRoot 'out/Sentinel/*/Sentinel.psd1') | Select-Object -First 1).FullName
}
Import-Module (Join-Path $script:RepoRoot 'tests/lab/SentinelLab.psm1')
Import-Module (Join-Path $script:RepoRoot 'tests/lab/SentinelRealLab.psm1')
Import-Module $script:ModulePath

function New-TestKnownHostsFile {
    # A fresh, empty known_hosts path in the test drive, so no test touches ~/.ssh.
    Join-Path $TestDrive "known_hosts-$([guid]::NewGuid().ToString('N'))"
}

function Invoke-ChildPwsh {
    # Runs a script in a fresh, non-interactive pwsh and returns its output lines.
    param([Parameter(Mandatory)][string]$Script)
    $pwsh = Join-Path $PSHOME 'pwsh.dll'
    & ([Environment]::ProcessPath) $pwsh -NoProfile -NonInteractive -Command $Script 2>&1
}

function Get-ReadyToRunVersion {
    # The ReadyToRun format version of an assembly's precompiled code (its READYTORUN_HEADER), or
    # nothing for an image that is IL only. The runtime uses precompiled code only when the major
    # version is its own, the one System.Private.CoreLib carries. Takes a path or a seekable stream.
    param([Parameter(Mandatory)]$Image)
    $stream = if ($Image -is [System.IO.Stream]) { $Image } else { [System.IO.File]::OpenRead($Image) }
    $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
    try {
        $native = $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory
        if ($native.Size -eq 0) { return }
        $header = [byte[]]@($pe.GetSectionData($native.RelativeVirtualAddress).GetContent(0, 8))
        if ([BitConverter]::ToUInt32($header, 0) -ne 0x00525452) { throw "$Image has a native header that is not ReadyToRun's ('RTR')." }
        [version]::new([BitConverter]::ToUInt16($header, 4), [BitConverter]::ToUInt16($header, 6))
    }
    finally { $pe.Dispose() }
}

function Get-HostKeyFingerprint {
    param([Parameter(Mandatory)][string]$PublicKeyPath)
    (& ssh-keygen -l -E sha256 -f $PublicKeyPath).Split(' ')[1]
}

function Wait-Until {
    # Polls a condition until it holds or the deadline passes; for states that settle on the host
    # (a process exiting after its signal), not a sleep standing in for synchronisation.
    param([Parameter(Mandatory)][scriptblock]$Condition, [int]$TimeoutSeconds = 10)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { return $false }
        [System.Threading.Thread]::Sleep(50)
    }
    $true
}

function Get-ErrorText {
    # Everything an error shows a user or a log, for secret checks.
    param([Parameter(Mandatory)]$ErrorRecord)
    ($ErrorRecord | Out-String) + $ErrorRecord.Exception.ToString() + ($ErrorRecord.ErrorDetails | Out-String) + $ErrorRecord.TargetObject
}

function Start-BackgroundPipeline {
    # Runs a script in another runspace of this process, so a test can stop it as Ctrl+C would
    # (PowerShell.Stop calls the cmdlet's StopProcessing). Returns the PowerShell and its output.
    param([Parameter(Mandatory)][string]$Script)
    $shell = [powershell]::Create()
    $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $null = $shell.AddScript($Script)
    $null = $shell.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
    [pscustomobject]@{ Shell = $shell; Output = $output }
}

function Get-RemoteProcess {
    # PIDs of lab processes whose command line contains the text (the lab is this machine).
    param([Parameter(Mandatory)][string]$CommandLine)
    @(& pgrep -f -- $CommandLine 2>$null)
}

function Get-SessionScript {
    # Script text that imports the module and opens a password session to the lab in a new runspace.
    param([Parameter(Mandatory)]$Lab, [Parameter(Mandatory)][string]$KnownHostsFile)
    @"
Import-Module '$ModulePath'
`$credential = [pscredential]::new('$($Lab.UserName)', (ConvertTo-SecureString '$($Lab.Password)' -AsPlainText -Force))
`$session = Connect-SentinelServer -ComputerName $($Lab.ComputerName) -Port $($Lab.Port) -Credential `$credential -KnownHostsFile '$KnownHostsFile' -ErrorAction Stop
"@
}
