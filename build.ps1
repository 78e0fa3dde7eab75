#!/usr/bin/env pwsh
<#
.SYNOPSIS
Builds, tests and demonstrates Sentinel.

.DESCRIPTION
  Build  lays the module out in out/Sentinel/<version>/ exactly as it would be installed.
  UnitTest runs only the xunit tests (tests/Sentinel.Tests, against scripted fakes): no lab, no root,
         no module layout; it ends with "xunit: N passed, N failed" and fails when a test does.
  Test   builds, then runs the xunit tests and the Pester end-to-end tests against the lab: sshd,
         a systemd host, a Docker engine, OpenSSH 10 and Dropbear (tests/lab).
  Demo   builds, starts the lab sshd on localhost:2222 and runs the module's main job against it.
  Package builds, then packs out/Sentinel/<version>/ into out/packages/Sentinel.<version>.nupkg,
         the package Install-PSResource installs from a repository.
  Bench  builds, then runs bench/Invoke-SentinelBench.ps1 (Sentinel against Fabric, AsyncSSH, Paramiko,
         OpenSSH, parallel-ssh and Ansible on the lab sshd, and OpenSSH 10 of the real lab), then the
         files and 1,000-host fan-out benches, and writes docs/benchmarks.md, docs/benchmarks.png and
         docs/benchmarks-goals.png; -Quick runs fewer repetitions and host counts at the same sizes.
Every task installs what it needs (Debian packages for the lab, Pester from NuGet) by itself;
UnitTest needs nothing but the .NET SDK.
Run it as: dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'UnitTest', 'Test', 'Demo', 'Package', 'Bench')]
    [string]$Task = 'Build',

    # Bench only: fewer repetitions and host counts (about 20 minutes instead of about 45).
    [switch]$Quick,

    [ValidateSet('Debug', 'Release')]
    [string]$Configuration = 'Release'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$RepoRoot = $PSScriptRoot
$Manifest = Import-PowerShellDataFile (Join-Path $RepoRoot 'Sentinel.psd1')
$Version = $Manifest.ModuleVersion
$ModuleRoot = Join-Path $RepoRoot "out/Sentinel/$Version"
$ModuleManifest = Join-Path $ModuleRoot 'Sentinel.psd1'
$LabModule = Join-Path $RepoRoot 'tests/lab/SentinelLab.psm1'
$RealLabModule = Join-Path $RepoRoot 'tests/lab/SentinelRealLab.psm1'
$PackageRoot = Join-Path $RepoRoot 'out/packages'

function Invoke-Dotnet {
    # A plain function (no [Parameter]) so that dotnet's own switches such as -o are not taken as
    # PowerShell's common parameters.
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    # The layout PowerShell sees after Install-Module: the manifest and Sentinel.dll at the top, and
    # the SSH adapter with SSH.NET in dependencies/<PSEdition>, loaded by the module at import.
    $staging = Join-Path $RepoRoot 'out/staging'
    Remove-Item $staging, $ModuleRoot -Recurse -Force -ErrorAction SilentlyContinue
    Invoke-Dotnet build (Join-Path $RepoRoot 'src/Sentinel/Sentinel.csproj') -c $Configuration --nologo -v quiet -o (Join-Path $staging 'module')
    Invoke-Dotnet publish (Join-Path $RepoRoot 'src/Sentinel.Ssh/Sentinel.Ssh.csproj') -c $Configuration --nologo -v quiet -f net8.0 -o (Join-Path $staging 'Core')
    Invoke-Dotnet publish (Join-Path $RepoRoot 'src/Sentinel.Ssh/Sentinel.Ssh.csproj') -c $Configuration --nologo -v quiet -f net462 -o (Join-Path $staging 'Desktop')
    # PowerShell 7 gets ReadyToRun images of the adapter and its dependencies (src/ReadyToRun says why
    # and for which runtime); Windows PowerShell 5.1's copies in Desktop stay IL, as .NET Framework needs.
    $adapter = Join-Path $staging 'Core'
    Get-ChildItem $adapter -Filter *.dll | Where-Object Name -In 'Sentinel.dll', 'System.Management.Automation.dll' | Remove-Item
    # The SDK skips a compilation whose output is newer than its input, and package files keep their
    # old dates: a left-over image of another SSH.NET version would ship. Compile from scratch.
    Remove-Item (Join-Path $RepoRoot 'src/ReadyToRun/obj'), (Join-Path $RepoRoot 'src/ReadyToRun/bin') -Recurse -Force -ErrorAction SilentlyContinue
    Invoke-Dotnet publish (Join-Path $RepoRoot 'src/ReadyToRun/ReadyToRun.csproj') -c $Configuration --nologo -v quiet -o (Join-Path $staging 'CoreReadyToRun') "-p:AdapterFolder=$adapter" "-p:ModuleAssembly=$(Join-Path $staging 'module/Sentinel.dll')" "-p:PowerShellHome=$PSHOME"
    Get-ChildItem $adapter -Filter *.dll | ForEach-Object { Copy-Item (Join-Path $staging "CoreReadyToRun/$($_.Name)") $_.FullName -Force }

    New-Item -ItemType Directory -Path $ModuleRoot -Force | Out-Null
    Copy-Item (Join-Path $RepoRoot 'Sentinel.psd1'), (Join-Path $RepoRoot 'Sentinel.Format.ps1xml'), (Join-Path $RepoRoot 'LICENSE') $ModuleRoot
    Copy-Item (Join-Path $staging 'module/Sentinel.dll') $ModuleRoot
    foreach ($edition in 'Core', 'Desktop') {
        $target = New-Item -ItemType Directory -Path (Join-Path $ModuleRoot "dependencies/$edition") -Force
        # Sentinel.dll is already loaded by PowerShell and System.Management.Automation is PowerShell's own.
        Get-ChildItem (Join-Path $staging $edition) -Filter *.dll |
            Where-Object Name -NotIn 'Sentinel.dll', 'System.Management.Automation.dll' |
            Copy-Item -Destination $target
    }
    Remove-Item $staging -Recurse -Force
    Invoke-HelpBuild
    Write-Host "Built Sentinel $Version in $ModuleRoot"
}

function Invoke-HelpBuild {
    # The generator imports the built module to read its syntax: a child pwsh keeps that import out
    # of this session (a second build here would otherwise meet an already-loaded Sentinel.dll).
    $generator = Join-Path $RepoRoot 'src/Help/New-SentinelHelp.ps1'
    & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $generator -ModulePath $ModuleRoot -DocsPath (Join-Path $RepoRoot 'docs/en-US')
    if ($LASTEXITCODE -ne 0) { throw "Help generation failed with exit code $LASTEXITCODE." }
}

function Invoke-Package {
    # Publish-PSResource (PSResourceGet, shipped with PowerShell 7.4+) writes the .nupkg a gallery
    # would serve, into a file repository that is registered only for the duration of the call.
    New-Item -ItemType Directory -Path $PackageRoot -Force | Out-Null
    Remove-Item (Join-Path $PackageRoot "Sentinel.$Version.nupkg") -ErrorAction SilentlyContinue
    $repository = "SentinelBuild-$PID"
    Register-PSResourceRepository -Name $repository -Uri $PackageRoot -Trusted
    try {
        Publish-PSResource -Path $ModuleRoot -Repository $repository
    }
    finally {
        Unregister-PSResourceRepository -Name $repository
    }
    Write-Host "Packed $(Join-Path $PackageRoot "Sentinel.$Version.nupkg")"
}

function Get-PesterModulePath {
    # Pester comes from its NuGet package (the PowerShell Gallery is not reachable): the test project
    # downloads it into the NuGet cache on restore.
    $pesterVersion = ([xml](Get-Content (Join-Path $RepoRoot 'Directory.Packages.props'))).Project.PropertyGroup.PesterVersion
    $cache = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $path = Join-Path $cache.Trim() "pester/$pesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $path)) {
        Invoke-Dotnet restore (Join-Path $RepoRoot 'tests/Sentinel.Tests/Sentinel.Tests.csproj') --nologo -v quiet
    }
    $path
}

function Invoke-Test {
    Import-Module $RealLabModule -Force
    # The real lab's packages and root filesystems (built once per machine, cached under /var/cache),
    # and whatever an earlier run that died left running.
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    Install-SentinelRealLabPrerequisites
    Clear-SentinelRealLab
    Write-Host "Lab prerequisites ready in $([int]$clock.Elapsed.TotalSeconds) s"

    $xunit = Invoke-Xunit

    Write-Host "`n== Pester"
    # The tests run with PowerShell's defaults, as when Invoke-Pester is typed at a prompt: this
    # script's strict mode and ErrorAction Stop would otherwise leak into them.
    Set-StrictMode -Off
    $ErrorActionPreference = 'Continue'
    Import-Module (Get-PesterModulePath) -Force
    $env:SENTINEL_MODULE = $ModuleManifest
    $config = New-PesterConfiguration
    $config.Run.Path = Join-Path $RepoRoot 'tests/Pester'
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    try { $pester = Invoke-Pester -Configuration $config }
    finally { Clear-SentinelRealLab }

    $passed = $xunit.Passed + $pester.PassedCount
    $failed = $xunit.Failed + $pester.FailedCount + $pester.FailedBlocksCount + $pester.FailedContainersCount
    Write-Host "`nxunit: $($xunit.Passed) passed, $($xunit.Failed) failed"
    Write-Host "Pester: $($pester.PassedCount) passed, $($pester.FailedCount) failed, $($pester.SkippedCount) skipped"
    Write-Host "Total: $passed passed, $failed failed"
    if ($failed -gt 0 -or $xunit.RunFailed) { exit 1 }
}

function Invoke-Xunit {
    # The xunit tests (tests/Sentinel.Tests): the engine against scripted fakes, no lab, no root.
    # dotnet test builds the projects they need. Returns the counts of the run's TRX file.
    Write-Host "`n== xunit"
    $results = Join-Path $RepoRoot 'out/test-results'
    $trx = Join-Path $results 'xunit.trx'
    # A file left by an earlier run would otherwise be read as this run's when the build fails.
    Remove-Item $trx -ErrorAction SilentlyContinue
    & dotnet test (Join-Path $RepoRoot 'tests/Sentinel.Tests/Sentinel.Tests.csproj') -c $Configuration --nologo --logger "trx;LogFileName=xunit.trx" --results-directory $results | Out-Host
    $exitCode = $LASTEXITCODE
    if (-not (Test-Path $trx)) { throw "dotnet test wrote no results (exit code $exitCode)." }
    $counters = ([xml](Get-Content $trx)).TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed; RunFailed = $exitCode -ne 0 }
}

function Invoke-UnitTest {
    $xunit = Invoke-Xunit
    Write-Host "`nxunit: $($xunit.Passed) passed, $($xunit.Failed) failed"
    if ($xunit.Failed -gt 0 -or $xunit.RunFailed) { exit 1 }
}

function Invoke-Demo {
    & (Join-Path $RepoRoot 'tests/lab/Demo.ps1') -ModulePath $ModuleManifest
}

function Invoke-Bench {
    # A child pwsh, like the help generator: the harness imports the built module, which must not
    # stay loaded in this session.
    $arguments = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'bench/Invoke-SentinelBench.ps1'), '-ModulePath', $ModuleManifest)
    if ($Quick) { $arguments += '-Quick' }
    & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') @arguments
    if ($LASTEXITCODE -ne 0) { throw "The benchmark failed with exit code $LASTEXITCODE." }
}

# The unit tests build what they need themselves: no module layout, no help.
if ($Task -ne 'UnitTest') { Invoke-Build }
switch ($Task) {
    'UnitTest' { Invoke-UnitTest }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Package' { Invoke-Package }
    'Bench' { Invoke-Bench }
}
