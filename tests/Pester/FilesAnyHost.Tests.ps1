# Issue 22 item 5: copies on hosts without sha256sum (only shasum, only openssl, none of them), on an
# SFTP-only account (ForceCommand internal-sftp), and permission problems named as such. Each host is a
# loopback sshd whose sessions get a PATH of links to this machine's programs minus the ones left out.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $PSDefaultParameterValues['Copy-SentinelItem:ProgressAction'] = 'SilentlyContinue'
    $script:made = [System.Collections.Generic.List[string]]::new()
    $script:labs = [System.Collections.Generic.List[object]]::new()
    $script:labUser = (Get-SentinelLabAccount).UserName
    $script:labHome = "/home/$labUser"

    function New-SessionPath {
        # A folder of links to every program on this machine's usual PATH except -Without, for a PATH without them.
        param([string[]]$Without)
        $dir = "/srv/sentinel-path-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory -Path $dir | Out-Null
        $script:made.Add($dir)
        & /bin/bash -c 'd=$1; shift; for f in /usr/local/bin/* /usr/bin/* /bin/* /usr/sbin/* /sbin/*; do n=${f##*/}; case " $* " in *" $n "*) continue;; esac; [ -e "$d/$n" ] || ln -s "$f" "$d/$n"; done' _ $dir @Without
        & chmod 755 $dir
        $dir
    }

    function Connect-Lab {
        # A lab sshd started with these parameters, and a session to it.
        param([hashtable]$LabParameters)
        $lab = Start-SentinelLab -NoNginx @LabParameters
        $script:labs.Add($lab)
        $credential = Get-SentinelLabCredential -Lab $lab
        Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -Credential $credential -KnownHostsFile (New-TestKnownHostsFile)
    }

    function New-RemoteDirectory {
        # A fresh directory in the lab user's home, owned by that user; its path relative to the home too.
        $name = "anyhost-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory -Path "$labHome/$name" | Out-Null
        & chown "${labUser}:${labUser}" "$labHome/$name"
        [pscustomobject]@{ Name = $name; Path = "$labHome/$name" }
    }

    function New-RootDirectory {
        # A root-owned directory the lab user can read but not write.
        $path = "/srv/sentinel-anyhost-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory -Path $path | Out-Null
        & chmod 755 $path
        $script:made.Add($path)
        $path
    }

    function New-LocalTree {
        # A local tree with a nested file and a name holding a newline, quotes and a backslash.
        $tree = New-Item -ItemType Directory (Join-Path $TestDrive "tree-$([guid]::NewGuid().ToString('N').Substring(0, 8))")
        New-Item -ItemType Directory (Join-Path $tree 'etc/deep') -Force | Out-Null
        Set-Content (Join-Path $tree 'top.txt') 'top'
        Set-Content (Join-Path $tree 'etc/deep/b.conf') 'b'
        # .NET, not the provider: PowerShell takes a backslash in a path for a separator, even literally.
        [System.IO.File]::WriteAllText("$tree/$oddName", 'odd')
        $tree
    }

    $script:oddName = "it's `"odd`"`nname\x.txt"

    function Get-Sha256 {
        param([string]$Path)
        (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    function Get-TempLeftover {
        # Temporary files Copy-SentinelItem leaves behind (it must leave none).
        param([string]$Directory)
        @(Get-ChildItem -LiteralPath $Directory -Force -Recurse | Where-Object Name -Like '*.sentinel-*.tmp')
    }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    foreach ($lab in $script:labs) { Stop-SentinelLab -Lab $lab }
    foreach ($path in $script:made) { Remove-Item -LiteralPath $path -Recurse -Force -ErrorAction SilentlyContinue }
    Get-ChildItem $labHome -Directory -Filter 'anyhost-*' | Remove-Item -Recurse -Force
}

Describe 'Commands, sudo, services and onboarding on a host without any SHA-256 program' {
    BeforeAll {
        $path = New-SessionPath -Without @('sha256sum', 'shasum', 'sha256', 'openssl')
        $session = Connect-Lab @{ SessionPath = $path }
        # A throwaway user whose ~/.ssh/authorized_keys the onboarding writes, on an sshd that reads it.
        $throwaway = "sentinel-nohash-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        & useradd --create-home --shell /bin/bash $throwaway
        $onboardLab = Start-SentinelLab -NoNginx -SessionPath $path -AuthorizedKeysFile '.ssh/authorized_keys' -AllowUser $throwaway
        $script:labs.Add($onboardLab)
        "${throwaway}:$($onboardLab.Password)" | & chpasswd
    }

    AfterAll { & userdel --remove $throwaway 2>$null }

    It 'installs a key with Install-SentinelKey, which then logs in' {
        $target = @{ ComputerName = $onboardLab.ComputerName; Port = $onboardLab.Port; KnownHostsFile = (New-TestKnownHostsFile) }
        $userSession = Connect-SentinelServer @target -Credential ([pscredential]::new($throwaway, (ConvertTo-SecureString $onboardLab.Password -AsPlainText -Force)))
        $key = New-SentinelKey -Path (Join-Path $TestDrive 'nohash-key') -Comment 'nohash@test'
        $result = Install-SentinelKey -Session $userSession -PublicKeyFile $key.PublicKeyPath -ErrorAction Stop
        $result.Status | Should -Be 'Added'
        $result.Verified | Should -BeTrue
    }

    It 'runs a command, a password-protected -Sudo command and a service query, none of which needs one' {
        (Invoke-SentinelCommand -Session $session -Command 'echo ok' -ErrorAction Stop).Output | Should -Be "ok`n"
        (Invoke-SentinelCommand -Session $session -Command 'id -u' -Sudo -ErrorAction Stop).Output | Should -Be "0`n"
        $service = Get-SentinelService -Session $session -Name nginx -ErrorAction Stop
        $service.Name | Should -Be 'nginx'
        $service.Manager | Should -Be 'SysV'
    }
}

Describe 'Copy-SentinelItem on a host without sha256sum (<Case>)' -ForEach @(
    @{ Case = 'only shasum'; Without = @('sha256sum', 'sha256', 'openssl'); Verification = 'RemoteHash' }
    @{ Case = 'only openssl'; Without = @('sha256sum', 'shasum', 'sha256'); Verification = 'RemoteHash' }
    @{ Case = 'none of them'; Without = @('sha256sum', 'shasum', 'sha256', 'openssl'); Verification = 'ReadBack' }
) {
    BeforeAll {
        $session = Connect-Lab @{ SessionPath = (New-SessionPath -Without $Without) }
    }

    It 'the host really lacks the programs left out' {
        $found = Invoke-SentinelCommand -Session $session -Command 'command -v sha256sum; command -v shasum; command -v openssl; true'
        foreach ($program in $Without) { $found.Output | Should -Not -Match "/$program\n" }
    }

    It 'uploads and downloads a file, verified (<Verification>), then finds it Unchanged' {
        $dir = New-RemoteDirectory
        $source = Join-Path $TestDrive 'one.bin'
        $data = [byte[]]::new(300KB)
        [Random]::new(5).NextBytes($data)
        [System.IO.File]::WriteAllBytes($source, $data)

        $up = Copy-SentinelItem -Path $source -Destination "$($dir.Name)/one.bin" -ToSession $session
        ($up.Action, $up.Verification) | Should -Be 'Copied', $Verification
        Get-Sha256 "$($dir.Path)/one.bin" | Should -Be (Get-Sha256 $source)
        $again = Copy-SentinelItem -Path $source -Destination "$($dir.Name)/one.bin" -ToSession $session
        ($again.Action, $again.Verification) | Should -Be 'Unchanged', $Verification

        $back = Join-Path $TestDrive "one-back-$($dir.Name).bin"
        $down = Copy-SentinelItem -Path "$($dir.Name)/one.bin" -Destination $back -FromSession $session
        ($down.Action, $down.Verification, $down.Sha256) | Should -Be 'Copied', $Verification, $up.Sha256
        Get-Sha256 $back | Should -Be $up.Sha256
        Get-TempLeftover $dir.Path | Should -BeNullOrEmpty
    }

    It 'uploads and downloads a tree with a name holding a newline, quotes and a backslash' {
        $dir = New-RemoteDirectory
        $tree = New-LocalTree
        $up = Copy-SentinelItem -Path $tree -Destination "$($dir.Name)/copy" -ToSession $session -Recurse
        @($up).Count | Should -Be 3
        $up.Action | Sort-Object -Unique | Should -Be 'Copied'
        $up.Verification | Sort-Object -Unique | Should -Be $Verification
        [System.IO.File]::ReadAllText("$($dir.Path)/copy/$oddName") | Should -Be 'odd'
        # The same tree over the copy: its own files, into the directory that holds it (cp -r puts a tree into an existing directory).
        (Copy-SentinelItem -Path $tree -Destination $dir.Name -ToSession $session -Recurse).Action | Should -Be 'Copied', 'Copied', 'Copied'
        (Copy-SentinelItem -Path $tree -Destination $dir.Name -ToSession $session -Recurse).Action | Sort-Object -Unique | Should -Be 'Unchanged' -Because 'the escaped line of each name is matched'

        $back = Join-Path $TestDrive "tree-back-$($dir.Name)"
        $down = Copy-SentinelItem -Path "$($dir.Name)/copy" -Destination $back -FromSession $session -Recurse
        @($down).Count | Should -Be 3
        $down.Action | Sort-Object -Unique | Should -Be 'Copied'
        $down.Verification | Sort-Object -Unique | Should -Be $Verification
        [System.IO.File]::ReadAllText("$back/$oddName") | Should -Be 'odd'
        Get-Content (Join-Path $back 'etc/deep/b.conf') | Should -Be 'b'
    }

    It 'copies with -Sudo into a root-owned directory where a program exists, else refuses naming the cause' {
        $root = New-RootDirectory
        $source = Join-Path $TestDrive 'root.conf'
        Set-Content $source 'as root'
        $result = Copy-SentinelItem $source "$root/root.conf" -ToSession $session -Sudo -Mode 0600 -ErrorVariable failure -ErrorAction SilentlyContinue
        if ($Verification -eq 'RemoteHash') {
            $failure | Should -BeNullOrEmpty
            ($result.Action, $result.Verification) | Should -Be 'Copied', 'RemoteHash'
            & stat -c '%a %U' "$root/root.conf" | Should -Be '600 root'
            Get-Sha256 "$root/root.conf" | Should -Be (Get-Sha256 $source)
            (Copy-SentinelItem $source "$root/root.conf" -ToSession $session -Sudo).Action | Should -Be 'Unchanged' -Because 'the 0600 file is hashed as root with the same program'
        }
        else {
            $result | Should -BeNullOrEmpty
            $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.HashToolMissing,*'
            $failure[0].CategoryInfo.Category | Should -Be 'NotInstalled'
            $failure[0].Exception.Message | Should -Match 'sha256sum, shasum, sha256 or openssl'
            Test-Path "$root/root.conf" | Should -BeFalse
        }
        Get-TempLeftover $root | Should -BeNullOrEmpty
    }

    It 'downloads an unreadable file as Sentinel.FilePermissionDenied naming it' {
        $dir = New-RemoteDirectory
        Set-Content "$($dir.Path)/secret.conf" 'secret'
        & chmod 600 "$($dir.Path)/secret.conf"
        Copy-SentinelItem -Path "$($dir.Name)/secret.conf" -Destination (Join-Path $TestDrive 'secret.conf') -FromSession $session -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FilePermissionDenied,*'
        $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failure[0].TargetObject | Should -Be $session.ComputerName
        $failure[0].Exception.Message | Should -BeLike "*'$($dir.Name)/secret.conf'*"
        Test-Path (Join-Path $TestDrive 'secret.conf') | Should -BeFalse
    }
}

Describe 'Copy-SentinelItem on an SFTP-only account (ForceCommand internal-sftp)' {
    BeforeAll {
        $session = Connect-Lab @{ ExtraConfig = @('ForceCommand internal-sftp') }
    }

    It 'the account really runs no command' {
        (Invoke-SentinelCommand -Session $session -Command 'echo ran').Output | Should -Not -Match 'ran'
    }

    It 'uploads and downloads a file and a tree over SFTP alone, verified by reading back' {
        $dir = New-RemoteDirectory
        $source = Join-Path $TestDrive 'drop.txt'
        Set-Content $source 'dropped'
        $up = Copy-SentinelItem -Path $source -Destination "$($dir.Name)/drop.txt" -ToSession $session
        ($up.Action, $up.Verification) | Should -Be 'Copied', 'ReadBack'
        Get-Sha256 "$($dir.Path)/drop.txt" | Should -Be (Get-Sha256 $source)
        (Copy-SentinelItem -Path $source -Destination "$($dir.Name)/drop.txt" -ToSession $session).Action | Should -Be 'Unchanged'
        Set-Content $source 'dropped again'
        (Copy-SentinelItem -Path $source -Destination "$($dir.Name)/drop.txt" -ToSession $session -Force).Action | Should -Be 'Copied'
        Get-Content "$($dir.Path)/drop.txt" | Should -Be 'dropped again'

        $tree = New-LocalTree
        $trees = Copy-SentinelItem -Path $tree -Destination "$($dir.Name)/copy" -ToSession $session -Recurse
        $trees.Action | Sort-Object -Unique | Should -Be 'Copied'
        $trees.Verification | Sort-Object -Unique | Should -Be 'ReadBack'

        $back = Join-Path $TestDrive 'sftp-only-back'
        $down = Copy-SentinelItem -Path "$($dir.Name)/copy" -Destination $back -FromSession $session -Recurse
        @($down).Count | Should -Be 3
        $down.Verification | Sort-Object -Unique | Should -Be 'ReadBack'
        [System.IO.File]::ReadAllText("$back/$oddName") | Should -Be 'odd'
        Get-TempLeftover $dir.Path | Should -BeNullOrEmpty
    }

    It 'refuses <Option> before writing anything, saying the account allows only SFTP' -ForEach @(
        @{ Option = '-Sudo'; Extra = @{ Sudo = $true } }
        @{ Option = '-Validate'; Extra = @{ Validate = 'true {}' } }
        @{ Option = '-Backup'; Extra = @{ Backup = $true; Force = $true } }
        @{ Option = '-Owner'; Extra = @{ Owner = 'root' } }
    ) {
        $dir = New-RemoteDirectory
        Set-Content "$($dir.Path)/app.conf" 'old'
        $source = Join-Path $TestDrive 'app.conf'
        Set-Content $source 'new content'
        $result = Copy-SentinelItem -Path $source -Destination "$($dir.Name)/app.conf" -ToSession $session @Extra -ErrorVariable failure -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.SftpOnlyAccount,*'
        $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failure[0].Exception.Message | Should -BeLike "*may use SFTP only*$Option needs commands*"
        Get-Content "$($dir.Path)/app.conf" | Should -Be 'old'
        @(Get-ChildItem -LiteralPath $dir.Path -Force).Name | Should -Be 'app.conf'
    }

    It 'downloads an unreadable file as Sentinel.FilePermissionDenied, and cannot write a root-owned directory' {
        $dir = New-RemoteDirectory
        Set-Content "$($dir.Path)/secret.conf" 'secret'
        & chmod 600 "$($dir.Path)/secret.conf"
        Copy-SentinelItem -Path "$($dir.Name)/secret.conf" -Destination (Join-Path $TestDrive 'sftp-secret.conf') -FromSession $session -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FilePermissionDenied,*'
        $failure[0].Exception.Message | Should -BeLike "*'$($dir.Name)/secret.conf'*"

        $root = New-RootDirectory
        $source = Join-Path $TestDrive 'denied.conf'
        Set-Content $source 'x'
        Copy-SentinelItem $source "$root/denied.conf" -ToSession $session -ErrorVariable denied -ErrorAction SilentlyContinue | Out-Null
        $denied[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FilePermissionDenied,*'
        $denied[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $denied[0].Exception.Message | Should -BeLike "*'$root/denied.conf'*"
        Test-Path "$root/denied.conf" | Should -BeFalse
    }
}

Describe 'Copy-SentinelItem permission problems on a host with sha256sum' {
    BeforeAll {
        $session = Connect-Lab @{}
    }

    It 'downloads an unreadable file as Sentinel.FilePermissionDenied, not a PATH problem' {
        $dir = New-RemoteDirectory
        Set-Content "$($dir.Path)/secret.conf" 'secret'
        & chmod 600 "$($dir.Path)/secret.conf"
        Copy-SentinelItem -Path "$($dir.Name)/secret.conf" -Destination (Join-Path $TestDrive 'plain-secret.conf') -FromSession $session -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FilePermissionDenied,*'
        $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failure[0].TargetObject | Should -Be $session.ComputerName
        $failure[0].Exception.Message | Should -BeLike "*'$($dir.Name)/secret.conf'*Permission denied*"
        $failure[0].Exception.Message | Should -Not -BeLike '*PATH*'
    }

    It 'cannot upload into a root-owned directory without -Sudo: Sentinel.FilePermissionDenied naming the path' {
        $root = New-RootDirectory
        $source = Join-Path $TestDrive 'plain-denied.conf'
        Set-Content $source 'x'
        Copy-SentinelItem $source "$root/plain-denied.conf" -ToSession $session -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.FilePermissionDenied,*'
        $failure[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $failure[0].Exception.Message | Should -BeLike "*'$root/plain-denied.conf'*"
        Test-Path "$root/plain-denied.conf" | Should -BeFalse
    }
}
