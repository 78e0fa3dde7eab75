BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

Describe 'The built module' {
    It 'exports exactly the cmdlets the manifest lists' {
        $manifest = Import-PowerShellDataFile $ModulePath
        (Get-Command -Module Sentinel).Name | Sort-Object | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'is laid out as installed: manifest, Sentinel.dll and the adapter per edition in dependencies/' {
        $root = Split-Path $ModulePath
        Join-Path $root 'Sentinel.dll' | Should -Exist
        Join-Path $root 'dependencies/Core/Sentinel.Ssh.dll' | Should -Exist
        Join-Path $root 'dependencies/Core/Renci.SshNet.dll' | Should -Exist
        Join-Path $root 'dependencies/Desktop/Sentinel.Ssh.dll' | Should -Exist
        Join-Path $root 'dependencies/Desktop/Renci.SshNet.dll' | Should -Exist
        Join-Path $root 'dependencies/Core/Sentinel.dll' | Should -Not -Exist
    }

    It 'ships the PowerShell 7 adapter and its dependencies precompiled for this runtime, and what Windows PowerShell loads as IL' {
        $root = Split-Path $ModulePath
        $runtime = Get-ReadyToRunVersion ([object].Assembly.Location)
        $core = Get-ChildItem (Join-Path $root 'dependencies/Core') -Filter *.dll
        $core.Name | Should -Contain 'Renci.SshNet.dll'
        foreach ($image in $core) {
            (Get-ReadyToRunVersion $image.FullName).Major | Should -Be $runtime.Major -Because "$($image.Name) is loaded only by PowerShell 7, whose runtime ignores precompiled code of another major version"
        }
        Get-ReadyToRunVersion (Join-Path $root 'Sentinel.dll') | Should -BeNullOrEmpty -Because 'Windows PowerShell 5.1 loads the same Sentinel.dll, and .NET Framework cannot load a ReadyToRun image'
        foreach ($image in Get-ChildItem (Join-Path $root 'dependencies/Desktop') -Filter *.dll) {
            Get-ReadyToRunVersion $image.FullName | Should -BeNullOrEmpty -Because "$($image.Name) is for .NET Framework"
        }
    }

    It 'loads SSH.NET in its own load context named Sentinel, and its modern .NET build' {
        $sshNet = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Renci.SshNet' }
        @($sshNet).Count | Should -Be 1
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($sshNet).Name | Should -Be 'Sentinel'
        $framework = $sshNet.GetCustomAttributes([System.Runtime.Versioning.TargetFrameworkAttribute], $false).FrameworkName
        $framework | Should -BeLike '.NETCoreApp,Version=v*'
        $framework | Should -Not -BeLike '*Standard*'
        $bouncyCastle = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'BouncyCastle.Cryptography' }
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($bouncyCastle).Name | Should -Be 'Sentinel'
    }

    It 'keeps its public types in the default load context, with no SSH.NET type in a public signature' {
        $sentinel = [Sentinel.Results.SentinelSession].Assembly
        [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($sentinel).Name | Should -Be 'Default'
        $leaks = foreach ($type in $sentinel.GetExportedTypes()) {
            foreach ($member in $type.GetMembers()) {
                $types = switch ($member.MemberType) {
                    'Property' { $member.PropertyType }
                    'Method' { @($member.ReturnType) + @($member.GetParameters() | ForEach-Object ParameterType) }
                    'Constructor' { @($member.GetParameters() | ForEach-Object ParameterType) }
                }
                $types | Where-Object { $_ -and $_.Assembly.GetName().Name -eq 'Renci.SshNet' } | ForEach-Object { "$type.$($member.Name)" }
            }
        }
        $leaks | Should -BeNullOrEmpty
    }

    It 'declares Sentinel result types (or Boolean for -Quiet, String lines for -Stream) as every cmdlet''s output' {
        foreach ($command in Get-Command -Module Sentinel) {
            $command.OutputType.Count | Should -BeGreaterThan 0 -Because "$($command.Name) declares its output"
            foreach ($type in $command.OutputType.Name) {
                $type | Should -Match '^(Sentinel\.|System\.Boolean$|System\.String$|System\.Void$)' -Because "$($command.Name) emits only Sentinel's own types"
            }
        }
    }

    It 'reports a broken install: a missing SSH adapter fails the first cmdlet that needs it, with the missing folder named' {
        # The adapter loads on a background task at import; its failure must not be lost.
        $copy = Join-Path $TestDrive 'broken/Sentinel'
        Copy-Item (Split-Path $ModulePath) $copy -Recurse
        Remove-Item (Join-Path $copy 'dependencies/Core/Sentinel.Ssh.dll')
        $output = (Invoke-ChildPwsh @"
`$env:SSH_USER = 'sentinel'; `$env:SSH_PASS = 'not-used'
Import-Module '$(Join-Path $copy 'Sentinel.psd1')' -ErrorAction Stop
'imported'
try { Connect-SentinelServer -ComputerName 127.0.0.1 -Port 9 -KnownHostsFile '$(Join-Path $TestDrive 'known_hosts')' -ErrorAction Stop } catch { "failed: `$(`$_.Exception.Message)" }
try { New-SentinelKey -Path '$(Join-Path $TestDrive 'key')' -ErrorAction Stop } catch { "failed again: `$(`$_.Exception.Message)" }
"@) -join "`n"
        $output | Should -BeLike "*imported*failed: The SSH adapter is missing from '*dependencies/Core'*failed again: The SSH adapter is missing*"
    }
}
