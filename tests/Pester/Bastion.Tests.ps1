BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $network = Start-SentinelLabBastion
    $key = $network.Labs[0].KeyPath
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    $common = @{ KeyFile = $key; KnownHostsFile = $knownHosts; ConnectTimeout = 5 }
    $bastion = "sentinel@$($network.BastionAddress):22"
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLabBastion -Network $network
}

Describe 'Jump hosts' {
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'cannot reach the target directly' {
        { Connect-SentinelServer -ComputerName $network.TargetAddress -Port 22 @common -ErrorAction Stop } | Should -Throw -ErrorId 'Sentinel.ConnectionFailed,*'
        $Error[0].Exception.Message | Should -BeLike '*No route to host*'
    }

    It 'reaches the target through the bastion, checking each host key under its real name' {
        $session = Connect-SentinelServer -ComputerName $network.TargetAddress -Port 22 -JumpHost $bastion @common
        (Invoke-SentinelCommand 'echo $SSH_CONNECTION' -Session $session).Output.Trim().Split(' ')[2] | Should -Be $network.TargetAddress
        $recorded = (Get-Content $knownHosts) | ForEach-Object { ($_ -split ' ')[0] }
        $recorded | Should -Contain $network.BastionAddress
        $recorded | Should -Contain $network.TargetAddress
        $recorded | Should -Not -BeLike '*127.0.0.1*' -Because 'the forwarded local port is never the name checked'
    }

    It 'refuses a bastion whose host key changed, naming the bastion' {
        $wrong = Join-Path $TestDrive 'known_hosts_wrong'
        $someKey = (Get-Content "$($network.Labs[1].HostKeyPath).pub").Split(' ')[0..1] -join ' '
        Set-Content $wrong "$($network.BastionAddress) $someKey"
        { Connect-SentinelServer -ComputerName $network.TargetAddress -Port 22 -JumpHost $bastion -KeyFile $key -KnownHostsFile $wrong -ErrorAction Stop } |
            Should -Throw -ErrorId 'Sentinel.HostKeyMismatch,*'
        $Error[0].Exception.Message | Should -BeLike "*jump host $($network.BastionAddress)*"
    }

    It 'goes through a two-hop chain' {
        $session = Connect-SentinelServer -ComputerName $network.InnerAddress -Port $network.InnerPort -JumpHost "$bastion,sentinel@$($network.TargetAddress)" @common
        (Invoke-SentinelCommand 'echo $SSH_CONNECTION' -Session $session).Output.Trim().Split(' ')[3] | Should -Be "$($network.InnerPort)"
    }

    It 'binds its forwards to loopback only and closes them with the session' {
        $listening = { @(& ss -Hltnp 2>$null | Where-Object { $_ -match "pid=$PID," }) }
        $before = & $listening
        $session = Connect-SentinelServer -ComputerName $network.TargetAddress -Port 22 -JumpHost $bastion @common
        $during = @(& $listening | Where-Object { $_ -notin $before })
        $during.Count | Should -Be 1
        $during[0] | Should -Match '\s127\.0\.0\.1:\d+\s'
        $session | Disconnect-SentinelServer
        Wait-Until { @(& $listening | Where-Object { $_ -notin $before }).Count -eq 0 } | Should -BeTrue
    }

    It 'takes the jump host from the inventory and from ProxyJump in ~/.ssh/config' {
        $env:SENTINEL_SERVERS = Join-Path $TestDrive 'servers.json'
        try {
            Add-SentinelServer behind $network.TargetAddress -Port 22 -JumpHost $bastion -KeyFile $key | Out-Null
            (Connect-SentinelServer -Name behind -KnownHostsFile $knownHosts).State | Should -Be 'Open'
        }
        finally { $env:SENTINEL_SERVERS = $null }

        $config = Join-Path $TestDrive 'config'
        Set-Content $config "Host target`n    HostName $($network.TargetAddress)`n    Port 22`n    ProxyJump $bastion`n    IdentityFile $key"
        (Connect-SentinelServer target -ConfigFile $config -KnownHostsFile $knownHosts).State | Should -Be 'Open'
    }
}
