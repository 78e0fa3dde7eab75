BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $network = Start-SentinelLabBastion
    $key = $network.Labs[0].KeyPath
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    # -KeyFile is the target's key only (as ssh -i is not passed to a ProxyJump hop): the hops get
    # theirs from ssh_config, as they would with ssh -J.
    $hopConfig = Join-Path $TestDrive 'hop_config'
    Set-Content $hopConfig "Host $($network.BastionAddress) $($network.TargetAddress)`n    IdentityFile $key"
    $common = @{ KeyFile = $key; KnownHostsFile = $knownHosts; ConnectTimeout = 5; ConfigFile = $hopConfig }
    $bastion = "sentinel@$($network.BastionAddress):22"
    $bastionLog = $network.Labs[0].LogPath
    $targetCredential = Get-SentinelLabCredential -Lab $network.Labs[1]

    function Get-NewLogLine {
        param([string]$Path, [int]$Skip)
        @(Get-Content $Path | Select-Object -Skip $Skip)
    }

    function Use-EmptyHome {
        # No default identity (~/.ssh/id_*) anywhere a hop could fall back on.
        param([scriptblock]$Script)
        $savedHome = $env:HOME
        $savedPass = $env:SSH_PASS
        $env:HOME = Join-Path $TestDrive "home-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $env:HOME | Out-Null
        try { & $Script }
        finally { $env:HOME = $savedHome; $env:SSH_PASS = $savedPass }
    }
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
        { Connect-SentinelServer -ComputerName $network.TargetAddress -Port 22 -JumpHost $bastion -KeyFile $key -ConfigFile $hopConfig -KnownHostsFile $wrong -ErrorAction Stop } |
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
            (Connect-SentinelServer -Name behind -KnownHostsFile $knownHosts -ConfigFile $hopConfig).State | Should -Be 'Open'
        }
        finally { $env:SENTINEL_SERVERS = $null }

        $config = Join-Path $TestDrive 'config'
        Set-Content $config "Host target`n    HostName $($network.TargetAddress)`n    Port 22`n    ProxyJump $bastion`n    IdentityFile $key`nHost $($network.BastionAddress)`n    IdentityFile $key"
        (Connect-SentinelServer target -ConfigFile $config -KnownHostsFile $knownHosts).State | Should -Be 'Open'
    }

    It 'uses the inventory entry of a jump host named like an inventory server: its address, user, port and key' {
        $env:SENTINEL_SERVERS = Join-Path $TestDrive 'servers-gate.json'
        try {
            Add-SentinelServer gate $network.BastionAddress -Port 22 -UserName sentinel -KeyFile $key | Out-Null
            Use-EmptyHome {
                $session = Connect-SentinelServer -ComputerName $network.TargetAddress -Port 22 -JumpHost gate -KeyFile $key -KnownHostsFile $knownHosts -ConnectTimeout 5
                $session.State | Should -Be 'Open'
            }
        }
        finally { $env:SENTINEL_SERVERS = $null }
    }
}

Describe 'What a jump host is offered' {
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'never sends the target''s password (nor $env:SSH_PASS) to the bastion, and names the bastion when it cannot authenticate' {
        $before = @(Get-Content $bastionLog).Count
        Use-EmptyHome {
            $env:SSH_PASS = $network.Labs[0].Password
            { Connect-SentinelServer -ComputerName $network.TargetAddress -Port 22 -JumpHost $bastion -Credential $targetCredential -KnownHostsFile $knownHosts -ConnectTimeout 5 -ErrorAction Stop } |
                Should -Throw -ErrorId 'Sentinel.AuthenticationFailed,*'
        }
        $Error[0].Exception.Message | Should -BeLike "*jump host $($network.BastionAddress)*"
        $Error[0].ErrorDetails.RecommendedAction | Should -BeLike '*-JumpHostCredential*'
        $new = Get-NewLogLine -Path $bastionLog -Skip $before
        $new -join "`n" | Should -Not -Match 'password' -Because 'no password was meant for the bastion'
    }

    It 'offers -JumpHostCredential to the bastion and the target''s password only to the target' {
        $before = @(Get-Content $bastionLog).Count
        $targetBefore = @(Get-Content $network.Labs[1].LogPath).Count
        # A target password the bastion would refuse: a Failed password line would betray it.
        $targetOnly = [pscredential]::new('sentinel', (ConvertTo-SecureString 'target-only-not-the-bastions' -AsPlainText -Force))
        $hops = Get-SentinelLabCredential -Lab $network.Labs[0]
        Use-EmptyHome {
            $session = Connect-SentinelServer -ComputerName $network.TargetAddress -Port 22 -JumpHost $network.BastionAddress -JumpHostCredential $hops -Credential $targetOnly -KeyFile $key -KnownHostsFile $knownHosts -ConnectTimeout 5
            (Invoke-SentinelCommand 'echo $SSH_CONNECTION' -Session $session).Output.Trim().Split(' ')[2] | Should -Be $network.TargetAddress
        }
        $new = Get-NewLogLine -Path $bastionLog -Skip $before
        @($new | Where-Object { $_ -match 'Accepted password for sentinel' }).Count | Should -Be 1
        $new -join "`n" | Should -Not -Match 'Failed password'
        $new -join "`n" | Should -Not -Match 'publickey' -Because 'the target''s -KeyFile is not the bastion''s'
        (Get-NewLogLine -Path $network.Labs[1].LogPath -Skip $targetBefore) -join "`n" | Should -Match 'Accepted publickey for sentinel'
    }
}
