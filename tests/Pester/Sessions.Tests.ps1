BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $lab = Start-SentinelLab -NoNginx
    $connect = @{ ComputerName = $lab.ComputerName; Port = $lab.Port; Credential = (Get-SentinelLabCredential -Lab $lab); KnownHostsFile = (Join-Path $TestDrive 'known_hosts') }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
}

Describe 'Get-SentinelSession and Disconnect-SentinelServer' {
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'lists open sessions with increasing ids, filters by -Id and -ComputerName' {
        $a = Connect-SentinelServer @connect
        $b = Connect-SentinelServer @connect
        $b.Id | Should -BeGreaterThan $a.Id
        (Get-SentinelSession).Id | Should -Be @($a.Id, $b.Id)
        (Get-SentinelSession -Id $b.Id).Id | Should -Be $b.Id
        @(Get-SentinelSession -ComputerName '127.0.0.*').Count | Should -Be 2
        Get-SentinelSession -ComputerName 'elsewhere' | Should -BeNullOrEmpty
    }

    It 'reports an unknown id as ObjectNotFound' {
        { Get-SentinelSession -Id 9999 -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.SessionNotFound,*'
        $Error[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'disconnects by pipeline, by -Id and with -All, and the sessions show Closed' {
        $a = Connect-SentinelServer @connect
        $b = Connect-SentinelServer @connect
        $c = Connect-SentinelServer @connect
        $a | Disconnect-SentinelServer
        $a.State | Should -Be 'Closed'
        Disconnect-SentinelServer -Id $b.Id
        $b.State | Should -Be 'Closed'
        (Get-SentinelSession).Id | Should -Be $c.Id
        Disconnect-SentinelServer -All
        $c.State | Should -Be 'Closed'
        Get-SentinelSession | Should -BeNullOrEmpty
    }

    It 'keeps sessions per runspace' {
        $mine = Connect-SentinelServer @connect
        $other = [powershell]::Create()
        try {
            $seen = $other.AddScript("Import-Module '$ModulePath'; @(Get-SentinelSession).Count").Invoke()
            $seen | Should -Be 0
        }
        finally { $other.Dispose() }
        (Get-SentinelSession).Id | Should -Be $mine.Id
    }

    It 'closes the sessions when the module is removed' {
        $script = @"
`$env:SSH_PASS = '$($lab.Password)'
Import-Module '$ModulePath'
`$s = Connect-SentinelServer -ComputerName $($lab.ComputerName) -Port $($lab.Port) -KnownHostsFile '$($connect.KnownHostsFile)' -ErrorAction Stop
"before: `$(`$s.State)"
Remove-Module Sentinel
"after: `$(`$s.State)"
"@
        $output = (Invoke-ChildPwsh -Script $script) -join "`n"
        $output | Should -BeLike '*before: Open*after: Closed*'
    }
}
