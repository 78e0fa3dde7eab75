# Installs the module as a user would from a gallery: its .nupkg in a file repository, then
# Install-PSResource into an empty module path in a fresh pwsh, Import-Module by name, and a command
# against the lab. The child processes get a temporary HOME and XDG folders, so the user's own
# PSResourceGet repositories and module folders are neither used nor changed.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $version = (Import-PowerShellDataFile $ModulePath).ModuleVersion

    $userHome = New-Item -ItemType Directory (Join-Path $TestDrive 'home')
    $repository = New-Item -ItemType Directory (Join-Path $TestDrive 'repository')
    $saved = @{}
    $isolated = @{
        HOME            = $userHome.FullName
        XDG_DATA_HOME   = Join-Path $userHome '.local/share'
        XDG_CONFIG_HOME = Join-Path $userHome '.config'
        XDG_CACHE_HOME  = Join-Path $userHome '.cache'
    }
    foreach ($name in $isolated.Keys) {
        # .NET answers an empty path for a data folder that does not exist, and PSResourceGet would
        # then write its settings into the current directory.
        New-Item -ItemType Directory $isolated[$name] -Force | Out-Null
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $isolated[$name])
    }

    # The pack that build.ps1 -Task Package does, from the built module folder.
    $packOutput = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name SentinelLocal -Uri '$repository' -Trusted
try { Publish-PSResource -Path '$(Split-Path $ModulePath)' -Repository SentinelLocal }
finally { Unregister-PSResourceRepository -Name SentinelLocal }
"@
}

AfterAll {
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    Stop-SentinelLab -Lab $lab
}

Describe 'Installing Sentinel from a repository' {
    It 'packs the module as Sentinel.<version>.nupkg with the manifest, the assembly, help and formats' {
        $packOutput | Should -BeNullOrEmpty
        $package = Join-Path $repository "Sentinel.$version.nupkg"
        $package | Should -Exist
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [System.IO.Compression.ZipFile]::OpenRead($package)
        $images = @{}
        try {
            $entries = $zip.Entries.FullName
            foreach ($entry in $zip.Entries | Where-Object FullName -In 'Sentinel.dll', 'dependencies/Core/Renci.SshNet.dll', 'dependencies/Desktop/Renci.SshNet.dll') {
                $copy = [System.IO.MemoryStream]::new()
                $content = $entry.Open()
                try { $content.CopyTo($copy) } finally { $content.Dispose() }
                $copy.Position = 0
                $images[$entry.FullName] = Get-ReadyToRunVersion $copy
            }
        }
        finally { $zip.Dispose() }
        foreach ($file in 'Sentinel.psd1', 'Sentinel.dll', 'Sentinel.Format.ps1xml', 'LICENSE', 'en-US/Sentinel.dll-Help.xml', 'en-US/about_Sentinel.help.txt', 'dependencies/Core/Renci.SshNet.dll', 'dependencies/Desktop/Renci.SshNet.dll') {
            $entries | Should -Contain $file
        }
        # What build.ps1 compiled ahead of time is what ships: PowerShell 7's SSH.NET precompiled,
        # what Windows PowerShell 5.1 loads as IL.
        $images['dependencies/Core/Renci.SshNet.dll'] | Should -Not -BeNullOrEmpty
        $images['dependencies/Desktop/Renci.SshNet.dll'] | Should -BeNullOrEmpty
        $images['Sentinel.dll'] | Should -BeNullOrEmpty
    }

    It 'installs into an empty module path in a fresh pwsh, imports by name, and tests the lab' {
        $knownHosts = New-TestKnownHostsFile
        $output = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
if (Get-Module -ListAvailable Sentinel) { throw 'Sentinel is already installed here' }
Register-PSResourceRepository -Name SentinelLocal -Uri '$repository' -Trusted
try {
    Install-PSResource Sentinel -Repository SentinelLocal -Scope CurrentUser
    Import-Module Sentinel
    `$credential = [pscredential]::new('$($lab.UserName)', (ConvertTo-SecureString '$($lab.Password)' -AsPlainText -Force))
    'base=' + (Get-Module Sentinel).ModuleBase
    'version=' + (Get-Module Sentinel).Version
    'passed=' + (Test-SentinelConnection -ComputerName $($lab.ComputerName) -Port $($lab.Port) -Credential `$credential -KnownHostsFile '$knownHosts' -Quiet)
    'synopsis=' + (Get-Help Connect-SentinelServer).Synopsis
}
finally { Unregister-PSResourceRepository -Name SentinelLocal }
'repositories=' + ((Get-PSResourceRepository).Name -join ',')
"@
        $text = $output | Out-String
        $text | Should -Match "(?m)^base=$([regex]::Escape($userHome.FullName))/.+/Sentinel/$([regex]::Escape($version))\s*$"
        $text | Should -Match "(?m)^version=$([regex]::Escape($version))\s*$"
        $text | Should -Match '(?m)^passed=True\s*$'
        $text | Should -Match '(?m)^synopsis=Opens an SSH session'
        $text | Should -Not -Match 'SentinelLocal' -Because 'the repository is unregistered afterwards'
    }
}
