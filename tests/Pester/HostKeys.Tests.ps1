# Host keys of every type against real sshd instances: RSA, ECDSA and ed25519 hosts, each recorded
# by ssh-keyscan or by Sentinel, checked the way OpenSSH checks them (and cross-checked with ssh).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    function Get-KeyScanLine {
        # The known_hosts line ssh-keyscan prints for one key type of the lab's sshd.
        param([Parameter(Mandatory)]$Lab, [Parameter(Mandatory)][string]$Type)
        $line = @(& ssh-keyscan -T 10 -t $Type -p $Lab.Port $Lab.ComputerName 2>$null)
        $line.Count | Should -Be 1 -Because "ssh-keyscan finds the $Type key"
        $line[0]
    }

    function New-KnownHostsFromScan {
        param([Parameter(Mandatory)]$Lab, [Parameter(Mandatory)][string[]]$Type)
        $path = New-TestKnownHostsFile
        [System.IO.File]::WriteAllLines($path, [string[]]@($Type | ForEach-Object { Get-KeyScanLine -Lab $Lab -Type $_ }))
        $path
    }

    function Connect-Lab {
        # Connects with the lab's key; returns the session (or nothing), the error and the verbose story.
        param([Parameter(Mandatory)]$Lab, [Parameter(Mandatory)][string]$KnownHostsFile, [Parameter(Mandatory)][string]$Policy)
        $failure = $null
        $streams = Connect-SentinelServer -ComputerName $Lab.ComputerName -Port $Lab.Port -KeyFile $Lab.KeyPath -KnownHostsFile $KnownHostsFile `
            -HostKeyPolicy $Policy -Verbose -ErrorVariable failure -ErrorAction SilentlyContinue 4>&1
        [pscustomobject]@{
            Session = @($streams | Where-Object { $_ -is [Sentinel.Results.SentinelSession] }) | Select-Object -First 1
            Error   = @($failure) | Select-Object -First 1
            Verbose = ($streams | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join "`n"
        }
    }

    function Get-FileHashText { param([string]$Path) (Get-FileHash -Algorithm SHA256 -Path $Path).Hash }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
}

Describe 'A host with only an <Type> host key' -ForEach @(
    @{ Type = 'rsa'; KeyType = 'ssh-rsa'; Algorithm = 'rsa-sha2-512' }
    @{ Type = 'ecdsa'; KeyType = 'ecdsa-sha2-nistp256'; Algorithm = 'ecdsa-sha2-nistp256' }
    @{ Type = 'ed25519'; KeyType = 'ssh-ed25519'; Algorithm = 'ssh-ed25519' }
) {
    BeforeAll { $lab = Start-SentinelLab -NoNginx -HostKeyType $Type }
    AfterAll { Stop-SentinelLab -Lab $lab }
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'connects under Strict with the key ssh-keyscan recorded' {
        $knownHosts = New-KnownHostsFromScan -Lab $lab -Type $Type
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy Strict
        $result.Error | Should -BeNullOrEmpty
        $result.Session.State | Should -Be 'Open'
        $result.Session.HostKeyFingerprint | Should -Be (Get-HostKeyFingerprint "$($lab.HostKeyPath).pub")
        $result.Session.HostKeyAlgorithm | Should -Be $Algorithm
        $result.Verbose | Should -BeLike "*Host key $KeyType SHA256:*(host-key algorithm $Algorithm) matches '$knownHosts' line 1*"
    }

    It 'records a line of type <KeyType> under AcceptNew that ssh accepts with StrictHostKeyChecking=yes' {
        $knownHosts = New-TestKnownHostsFile
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy AcceptNew
        $result.Session.State | Should -Be 'Open'
        $line = @(Get-Content $knownHosts)
        $line.Count | Should -Be 1
        $line[0] | Should -BeExactly "[$($lab.ComputerName)]:$($lab.Port) $KeyType $((Get-Content "$($lab.HostKeyPath).pub").Split(' ')[1])"

        $output = & ssh -i $lab.KeyPath -p $lab.Port -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes `
            -o UserKnownHostsFile=$knownHosts -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -F /dev/null "$($lab.UserName)@$($lab.ComputerName)" true 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "ssh accepts the recorded line: $output"
    }

    It 'refuses the replaced key under AcceptNew and Strict with both fingerprints, leaving known_hosts byte for byte' {
        $knownHosts = New-KnownHostsFromScan -Lab $lab -Type $Type
        $old = Get-HostKeyFingerprint "$($lab.HostKeyPath).pub"
        Restart-SentinelLab -Lab $lab -NewHostKey
        $new = Get-HostKeyFingerprint "$($lab.HostKeyPath).pub"
        $new | Should -Not -Be $old
        $before = Get-FileHashText $knownHosts

        foreach ($policy in 'AcceptNew', 'Strict') {
            $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy $policy
            $result.Session | Should -BeNullOrEmpty
            $result.Error.FullyQualifiedErrorId | Should -BeLike 'Sentinel.HostKeyMismatch,*'
            $result.Error.CategoryInfo.Category | Should -Be 'SecurityError'
            $result.Error.Exception.Message | Should -BeLike "*offered $KeyType $new*expects $KeyType $old*"
            Get-FileHashText $knownHosts | Should -Be $before
        }
    }
}

Describe 'A host with ed25519, ECDSA and RSA keys' {
    BeforeAll { $lab = Start-SentinelLab -NoNginx -HostKeyType ed25519, ecdsa, rsa }
    AfterAll { Stop-SentinelLab -Lab $lab }
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'connects under Strict when known only by its <Type> key, and says it used that type' -ForEach @(
        @{ Type = 'ecdsa'; KeyType = 'ecdsa-sha2-nistp256'; Algorithm = 'ecdsa-sha2-nistp256' }
        @{ Type = 'rsa'; KeyType = 'ssh-rsa'; Algorithm = 'rsa-sha2-512' }
    ) {
        $knownHosts = New-KnownHostsFromScan -Lab $lab -Type $Type
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy Strict
        $result.Error | Should -BeNullOrEmpty
        $result.Session.HostKeyAlgorithm | Should -Be $Algorithm
        $result.Session.HostKeyFingerprint | Should -Be (Get-HostKeyFingerprint "$($lab.HostKeyPaths[$Type]).pub")
        $result.Verbose | Should -BeLike "*Host-key algorithms offered: $Algorithm,*(types known for this host first: $KeyType)*"
        $result.Verbose | Should -BeLike "*Host key $KeyType SHA256:*matches*"
        $result.Verbose | Should -BeLike "*host key $Algorithm,*"
    }
}

Describe 'A host known only by a key type it no longer offers' {
    # As OpenSSH: a key of a type not known for a host that has known keys is a changed key, refused
    # under Strict and AcceptNew (ssh's yes and accept-new), naming what was known and what was offered.
    BeforeAll {
        $lab = Start-SentinelLab -NoNginx -HostKeyType ecdsa
        $retired = Join-Path $TestDrive 'retired_ed25519'
        & ssh-keygen -q -t ed25519 -N '' -C retired -f $retired
        $retiredFingerprint = Get-HostKeyFingerprint "$retired.pub"
        $offeredFingerprint = Get-HostKeyFingerprint "$($lab.HostKeyPath).pub"
    }
    AfterAll { Stop-SentinelLab -Lab $lab }

    It 'is refused under <_> as a changed key, naming the known ed25519 key and line and the offered ECDSA key; known_hosts unchanged' -ForEach 'Strict', 'AcceptNew' {
        $knownHosts = New-TestKnownHostsFile
        $retiredKey = (Get-Content "$retired.pub").Split(' ')[0..1] -join ' '
        [System.IO.File]::WriteAllText($knownHosts, "# retired key`n[$($lab.ComputerName)]:$($lab.Port) $retiredKey`n")
        $before = Get-FileHashText $knownHosts

        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy $_
        $result.Session | Should -BeNullOrEmpty
        $result.Error.FullyQualifiedErrorId | Should -BeLike 'Sentinel.HostKeyMismatch,*'
        $result.Error.CategoryInfo.Category | Should -Be 'SecurityError'
        $result.Error.Exception.Message | Should -BeLike "*offered ecdsa-sha2-nistp256 $offeredFingerprint*knows this host only by ssh-ed25519 $retiredFingerprint (line 2)*"
        $result.Error.ErrorDetails.RecommendedAction | Should -BeLike '*ssh-keyscan -t ecdsa-sha2-nistp256*'
        Get-FileHashText $knownHosts | Should -Be $before
    }

    It 'is refused by ssh itself as a changed key under StrictHostKeyChecking=<_>' -ForEach 'yes', 'accept-new' {
        # The rule Sentinel mirrors, checked against the real client.
        $knownHosts = New-TestKnownHostsFile
        $retiredKey = (Get-Content "$retired.pub").Split(' ')[0..1] -join ' '
        [System.IO.File]::WriteAllText($knownHosts, "[$($lab.ComputerName)]:$($lab.Port) $retiredKey`n")
        $output = & ssh -i $lab.KeyPath -p $lab.Port -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=$_ `
            -o UserKnownHostsFile=$knownHosts -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -F /dev/null "$($lab.UserName)@$($lab.ComputerName)" true 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        ($output -join "`n") | Should -BeLike '*REMOTE HOST IDENTIFICATION HAS CHANGED*Offending ED25519 key*'
        @(Get-Content $knownHosts).Count | Should -Be 1
    }
}

Describe 'A host on another port than 22, known by its name without the port' {
    # ssh looks a host on port P up as [host]:P and, finding no line of that name, tries the line of the
    # bare name: it trusts the very key there ("found matching key w/out port"), and takes another key
    # there as a new key, not a changed one. Each case is cross-checked with ssh itself.
    BeforeAll {
        $lab = Start-SentinelLab -NoNginx
        $lab.Port | Should -Not -Be 22
        $labKey = (Get-Content "$($lab.HostKeyPath).pub").Split(' ')[0..1] -join ' '
        $labFingerprint = Get-HostKeyFingerprint "$($lab.HostKeyPath).pub"
        $retired = Join-Path $TestDrive 'retired_port_ed25519'
        & ssh-keygen -q -t ed25519 -N '' -C retired -f $retired
        $retiredKey = (Get-Content "$retired.pub").Split(' ')[0..1] -join ' '
        $retiredFingerprint = Get-HostKeyFingerprint "$retired.pub"

        function New-BareKnownHosts {
            param([string[]]$Lines)
            $path = New-TestKnownHostsFile
            [System.IO.File]::WriteAllLines($path, $Lines)
            $path
        }

        function Invoke-Ssh {
            # ssh's verdict on the same file: its exit code and its -v story.
            param([string]$KnownHostsFile, [string]$Strict)
            $output = & ssh -v -i $lab.KeyPath -p $lab.Port -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=$Strict `
                -o UserKnownHostsFile=$KnownHostsFile -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -F /dev/null "$($lab.UserName)@$($lab.ComputerName)" true 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = $output -join "`n" }
        }
    }
    AfterAll { Stop-SentinelLab -Lab $lab }
    AfterEach { Get-SentinelSession | Disconnect-SentinelServer }

    It 'connects under Strict with the key under the bare name, says so, and records nothing; ssh agrees' {
        $knownHosts = New-BareKnownHosts "# bare", "$($lab.ComputerName) $labKey"
        $before = Get-FileHashText $knownHosts
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy Strict
        $result.Error | Should -BeNullOrEmpty
        $result.Session.State | Should -Be 'Open'
        $result.Session.HostKeyTrust | Should -Be "known key, '$knownHosts' line 2 ('$($lab.ComputerName)' without the port, as ssh falls back)"
        $result.Verbose | Should -BeLike "*Host key ssh-ed25519 $labFingerprint*matches '$knownHosts' line 2 ('$($lab.ComputerName)' without the port*"
        Get-FileHashText $knownHosts | Should -Be $before

        $ssh = Invoke-Ssh -KnownHostsFile $knownHosts -Strict yes
        $ssh.ExitCode | Should -Be 0 -Because $ssh.Output
        $ssh.Output | Should -BeLike '*found matching key w/out port*'
    }

    It 'refuses another key under the bare name under Strict as unknown, not changed, as ssh does' {
        $knownHosts = New-BareKnownHosts "$($lab.ComputerName) $retiredKey"
        $before = Get-FileHashText $knownHosts
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy Strict
        $result.Session | Should -BeNullOrEmpty
        $result.Error.FullyQualifiedErrorId | Should -BeLike 'Sentinel.HostKeyUnknown,*'
        $result.Error.Exception.Message | Should -BeLike "*``[$($lab.ComputerName)``]:$($lab.Port) (ssh-ed25519 $labFingerprint)*'$($lab.ComputerName)' without the port (line 1) holds another key, ssh-ed25519 $retiredFingerprint*"
        Get-FileHashText $knownHosts | Should -Be $before

        $ssh = Invoke-Ssh -KnownHostsFile $knownHosts -Strict yes
        $ssh.ExitCode | Should -Not -Be 0
        $ssh.Output | Should -BeLike "*No ED25519 host key is known for ``[$($lab.ComputerName)``]:$($lab.Port) and you have requested strict checking*"
        $ssh.Output | Should -Not -BeLike '*HOST IDENTIFICATION HAS CHANGED*'
    }

    It 'takes it as new under AcceptNew and records it for [host]:port beside the bare line, as ssh does' {
        $knownHosts = New-BareKnownHosts "$($lab.ComputerName) $retiredKey"
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy AcceptNew
        $result.Error | Should -BeNullOrEmpty
        $result.Session.HostKeyTrust | Should -BeLike 'new key*'
        Get-Content $knownHosts | Should -Be @("$($lab.ComputerName) $retiredKey", "[$($lab.ComputerName)]:$($lab.Port) $labKey")

        $bySsh = New-BareKnownHosts "$($lab.ComputerName) $retiredKey"
        $ssh = Invoke-Ssh -KnownHostsFile $bySsh -Strict accept-new
        $ssh.ExitCode | Should -Be 0 -Because $ssh.Output
        Get-Content $bySsh | Should -Be (Get-Content $knownHosts)
    }

    It 'refuses a key @revoked under the bare name under <_> (ssh warns and, under accept-new, adds it)' -ForEach 'Strict', 'AcceptNew' {
        $knownHosts = New-BareKnownHosts "@revoked $($lab.ComputerName) $labKey"
        $before = Get-FileHashText $knownHosts
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy $_
        $result.Session | Should -BeNullOrEmpty
        $result.Error.FullyQualifiedErrorId | Should -BeLike 'Sentinel.HostKeyRevoked,*'
        Get-FileHashText $knownHosts | Should -Be $before
    }

    It 'refuses a changed key under [host]:port whatever the bare name holds' {
        $knownHosts = New-BareKnownHosts "[$($lab.ComputerName)]:$($lab.Port) $retiredKey", "$($lab.ComputerName) $labKey"
        $result = Connect-Lab -Lab $lab -KnownHostsFile $knownHosts -Policy Strict
        $result.Error.FullyQualifiedErrorId | Should -BeLike 'Sentinel.HostKeyMismatch,*'
        $result.Error.Exception.Message | Should -BeLike "*line 1 expects ssh-ed25519 $retiredFingerprint*"

        $ssh = Invoke-Ssh -KnownHostsFile $knownHosts -Strict yes
        $ssh.ExitCode | Should -Not -Be 0
        $ssh.Output | Should -BeLike '*REMOTE HOST IDENTIFICATION HAS CHANGED*'
    }
}

Describe 'An unreadable known_hosts file' {
    BeforeAll { $lab = Start-SentinelLab -NoNginx }
    AfterAll { Stop-SentinelLab -Lab $lab }

    It 'is a Sentinel.KnownHostsUnreadable error naming the host, not a .NET exception' {
        $folder = Join-Path $TestDrive 'known_hosts_folder'
        New-Item -ItemType Directory -Path $folder | Out-Null
        $result = Connect-Lab -Lab $lab -KnownHostsFile $folder -Policy AcceptNew
        $result.Session | Should -BeNullOrEmpty
        $result.Error.FullyQualifiedErrorId | Should -BeLike 'Sentinel.KnownHostsUnreadable,*'
        $result.Error.TargetObject | Should -Be $lab.ComputerName
        $result.Error.Exception.Message | Should -BeLike "*$folder*"
    }
}
