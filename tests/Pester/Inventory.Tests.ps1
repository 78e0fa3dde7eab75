BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $knownHosts = Join-Path $TestDrive 'known_hosts'
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'The server inventory' {
    BeforeEach {
        $servers = Join-Path $TestDrive "servers-$([guid]::NewGuid().ToString('N')).json"
        $env:SENTINEL_SERVERS = $servers
    }
    AfterEach {
        $env:SENTINEL_SERVERS = $null
        Get-SentinelSession | Disconnect-SentinelServer
    }

    It 'adds, lists by name and tag, and removes servers, writing the file atomically' {
        $added = Add-SentinelServer web01 $lab.ComputerName -Port $lab.Port -UserName sentinel -KeyFile $lab.KeyPath -Tag web, prod
        $added | Should -BeOfType ([Sentinel.Results.ServerEntry])
        Add-SentinelServer db01 $lab.ComputerName -Port $lab.Port -Tag db -HostKeyPolicy Strict | Out-Null
        (Get-SentinelServer).Name | Should -Be @('web01', 'db01')
        (Get-SentinelServer web*).Name | Should -Be 'web01'
        (Get-SentinelServer -Tag db).Name | Should -Be 'db01'
        (Get-SentinelServer db01).HostKeyPolicy | Should -Be 'Strict'
        (Get-SentinelServer web01).Tags | Should -Be @('web', 'prod')
        Get-ChildItem (Split-Path $servers) -Filter '*.tmp' -Force | Should -BeNullOrEmpty -Because 'writes go through a temporary file that replaces the real one'

        Remove-SentinelServer db01 -WhatIf
        (Get-SentinelServer).Count | Should -Be 2
        Remove-SentinelServer db01
        (Get-SentinelServer).Name | Should -Be 'web01'
    }

    It 'refuses a duplicate name unless -Force, and reports unknown names' {
        Add-SentinelServer web01 10.0.0.1 | Out-Null
        Add-SentinelServer web01 10.0.0.2 -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServerExists,*'
        (Add-SentinelServer web01 10.0.0.2 -Force).ComputerName | Should -Be '10.0.0.2'
        (Get-SentinelServer web01).ComputerName | Should -Be '10.0.0.2'
        Get-SentinelServer nope -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.ServerNotFound,*'
        $failure[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'names the file and line of a corrupt servers file and never empties it' {
        $broken = "{`n  `"servers`": [`n    { `"name`": `"a`", `"computerName`" `"x`" }`n  ]`n}`n"
        Set-Content -Path $servers -Value $broken -NoNewline
        { Get-SentinelServer -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.InventoryInvalid,*'
        $Error[0].Exception.Message | Should -BeLike "*$servers*line 3*"
        $Error[0].CategoryInfo.Category | Should -Be 'InvalidData'
        { Add-SentinelServer b 10.0.0.3 -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.InventoryInvalid,*'
        Get-Content $servers -Raw | Should -BeExactly $broken
    }

    It 'connects by -Name and by -Tag, one session per matching server, with the inventory''s settings' {
        Add-SentinelServer web01 $lab.ComputerName -Port $lab.Port -KeyFile $lab.KeyPath -Tag web | Out-Null
        Add-SentinelServer web02 localhost -Port $lab.Port -KeyFile $lab.KeyPath -Tag web | Out-Null
        Add-SentinelServer other $lab.ComputerName -Port 1 -Tag other | Out-Null
        $one = Connect-SentinelServer -Name web01 -KnownHostsFile $knownHosts
        $one.Port | Should -Be $lab.Port
        $tagged = Connect-SentinelServer -Tag web -KnownHostsFile $knownHosts
        @($tagged).ComputerName | Sort-Object | Should -Be @('127.0.0.1', 'localhost')
        Get-SentinelServer web* | Connect-SentinelServer -KnownHostsFile $knownHosts | Should -HaveCount 2
    }

    It 'runs on every piped inventory entry, none of them fed to stdin' {
        Add-SentinelServer web01 $lab.ComputerName -Port $lab.Port -KeyFile $lab.KeyPath -Tag web | Out-Null
        Add-SentinelServer web02 localhost -Port $lab.Port -KeyFile $lab.KeyPath -Tag web | Out-Null
        $results = Get-SentinelServer -Tag web | Invoke-SentinelCommand 'cat' -KnownHostsFile $knownHosts
        @($results).ComputerName | Sort-Object | Should -Be @('127.0.0.1', 'localhost')
        $results.Output | Should -Not -Contain 'web01'
        ($results.Output -join '') | Should -BeExactly ''
    }

    It 'takes an entry piped back in whole, empty fields and all' {
        Add-SentinelServer bare 10.0.0.9 | Out-Null
        Get-SentinelServer bare | Add-SentinelServer -Force -ErrorVariable failure | Out-Null
        $failure | Should -BeNullOrEmpty
        $copy = Get-SentinelServer bare
        $copy.ComputerName | Should -Be '10.0.0.9'
        $copy.Port | Should -BeNullOrEmpty
        $copy.Tags | Should -BeNullOrEmpty
    }

    It 'lets explicit parameters win over the inventory' {
        Add-SentinelServer wrongport $lab.ComputerName -Port 1 -KeyFile $lab.KeyPath | Out-Null
        (Connect-SentinelServer -Name wrongport -Port $lab.Port -KnownHostsFile $knownHosts).Port | Should -Be $lab.Port
    }

    It 'completes server names with Tab' {
        Add-SentinelServer web01 10.0.0.1 | Out-Null
        Add-SentinelServer db01 10.0.0.2 | Out-Null
        $line = 'Connect-SentinelServer -Name we'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be 'web01'
    }
}
