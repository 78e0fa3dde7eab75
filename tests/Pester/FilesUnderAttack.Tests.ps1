# Issue 20: uploads against another local user on the host, who owns directories, plants links and
# shares a group with the login user; and -Sudo where the login user cannot even look.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    Import-Module (Join-Path $RepoRoot 'tests/lab/SentinelNeighbour.psm1') -Force
    $lab = Start-SentinelLab -NoNginx
    # The other user: a lab user who is not the login user. The shared group lets both write one directory.
    $other = $lab.TtyUserName
    $sharedGroup = 'sentinel-shared'
    if (-not (& getent group $sharedGroup)) { & groupadd $sharedGroup }
    & usermod -aG $sharedGroup $lab.UserName
    & usermod -aG $sharedGroup $other
    $credential = Get-SentinelLabCredential -Lab $lab
    $knownHosts = Join-Path $TestDrive 'known_hosts'
    # Connected after the group change, so the login has the shared group.
    $session = Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -Credential $credential -KnownHostsFile $knownHosts
    $PSDefaultParameterValues['Copy-SentinelItem:ProgressAction'] = 'SilentlyContinue'
    $labHome = "/home/$($lab.UserName)"

    function New-TestDirectory {
        # A fresh directory under /srv with the owner, group and mode asked.
        param([string]$Owner = 'root', [string]$Group = 'root', [string]$Mode = '755')
        $path = "/srv/sentinel-attack-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory -Path $path | Out-Null
        & chown "${Owner}:$Group" $path
        & chmod $Mode $path
        $path
    }

    function New-Source {
        param([string]$Content)
        $path = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        Set-Content -Path $path -Value $Content -NoNewline
        $path
    }
}

AfterAll {
    Get-SentinelSession | Disconnect-SentinelServer
    Stop-SentinelLab -Lab $lab
    Get-ChildItem /srv -Directory -Filter 'sentinel-attack-*' | Remove-Item -Recurse -Force
    Get-ChildItem $labHome -Directory -Filter 'attack-*' | Remove-Item -Recurse -Force
    & gpasswd -d $lab.UserName $sharedGroup *>$null
    & gpasswd -d $other $sharedGroup *>$null
}

Describe 'An upload is never readable by another user on the host (issue 20 item 4)' {
    BeforeAll {
        $watched = New-TestDirectory -Owner $lab.UserName -Group $lab.UserName -Mode '755'
        $rootWatched = New-TestDirectory -Mode '755'
        $neighbour = Start-SentinelLabNeighbour -Path $watched, $rootWatched
        $secret = "upload-secret-$([guid]::NewGuid().ToString('N'))"
    }

    AfterAll { if ($neighbour) { Stop-SentinelLabNeighbour -Neighbour $neighbour } }

    It 'gives the neighbour watching the destination nothing to read, <Name>' -ForEach @(
        @{ Name = 'as the login user'; Sudo = $false }
        @{ Name = 'with -Sudo'; Sudo = $true }
    ) {
        $directory = if ($Sudo) { $rootWatched } else { $watched }
        $source = New-Source "$secret-$Name"
        foreach ($i in 1..5) {
            (Copy-SentinelItem $source "$directory/secret-$i.env" -ToSession $session -Mode 0600 -Sudo:$Sudo).Action | Should -Be 'Copied'
        }
        Wait-Until { @((Get-SentinelLabNeighbourLoot -Neighbour $neighbour).Seen | Where-Object { $_.Path -like "$directory/secret-5.env" }).Count -gt 0 } |
            Should -BeTrue -Because 'the neighbour was watching and saw the files arrive'
        $loot = Get-SentinelLabNeighbourLoot -Neighbour $neighbour
        @($loot.Loot | Where-Object { $_.Content -like "*$secret*" }) | Should -BeNullOrEmpty
        @($loot.Seen | Where-Object { $_.Type -eq 'file' -and $_.Mode -and $_.Mode -ne '0600' -and $_.Path -like "$directory/*" }) | Should -BeNullOrEmpty -Because 'no file of the copy is ever wider than 0600 where another user can reach it'
    }
}

Describe 'Copy-SentinelItem -Sudo never writes as root through another user''s link (issue 20 item 2)' {
    It 'replaces a link at the destination, in a directory of the login user, instead of writing its target' {
        $important = Join-Path (New-TestDirectory) 'important.conf'
        Set-Content $important 'precious'
        $dir = "$labHome/attack-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory $dir | Out-Null
        & chown "$($lab.UserName):$($lab.UserName)" $dir
        & ln -s $important "$dir/config.yml"
        & chown -h "$($lab.UserName):$($lab.UserName)" "$dir/config.yml"

        $result = Copy-SentinelItem (New-Source 'new: 1') "$dir/config.yml" -ToSession $session -Sudo -Force
        $result.Action | Should -Be 'Copied'
        Get-Content $important | Should -Be 'precious' -Because 'root must not follow the link'
        (Get-Item "$dir/config.yml").LinkType | Should -BeNullOrEmpty -Because 'the link itself was replaced by the file'
        Get-Content "$dir/config.yml" -Raw | Should -Be 'new: 1'
    }

    It 'refuses a link another user planted in a directory that user owns, with Sentinel.UnsafeDestination' {
        $important = Join-Path (New-TestDirectory) 'important.conf'
        Set-Content $important 'precious'
        $app = New-TestDirectory -Owner $other -Group $other
        & runuser -u $other -- ln -s $important "$app/config.yml"

        $result = Copy-SentinelItem (New-Source 'new: 2') "$app/config.yml" -ToSession $session -Sudo -Force -ErrorVariable failure -ErrorAction SilentlyContinue
        $result.Action | Should -Be 'Failed'
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.UnsafeDestination,*'
        $failure[0].CategoryInfo.Category | Should -Be 'SecurityError'
        $failure[0].TargetObject | Should -Be $lab.ComputerName
        Get-Content $important | Should -Be 'precious'
        (Get-Item "$app/config.yml").LinkType | Should -Be 'SymbolicLink'
    }

    It 'refuses a symlinked parent directory another user planted, creating nothing behind it' {
        $protected = New-TestDirectory
        $app = New-TestDirectory -Owner $other -Group $other
        & runuser -u $other -- ln -s $protected "$app/conf"

        Copy-SentinelItem (New-Source 'planted') "$app/conf/new.conf" -ToSession $session -Sudo -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.UnsafeDestination,*'
        @(Get-ChildItem $protected -Force) | Should -BeNullOrEmpty
    }

    It 'refuses ''..'' in a -Sudo destination, which behind a link would not mean what it says' {
        $root = New-TestDirectory
        Copy-SentinelItem (New-Source 'x') "$root/../$(Split-Path $root -Leaf)/x.conf" -ToSession $session -Sudo -ErrorVariable failure -ErrorAction SilentlyContinue | Out-Null
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'Sentinel.UnsafeDestination,*'
        Test-Path "$root/x.conf" | Should -BeFalse
    }
}

Describe 'Copy-SentinelItem -Sudo where the login user cannot look (issue 20 item 11)' {
    It 'writes into a 0700 root directory with the mode and owner asked, then sees it Unchanged' {
        $private = New-TestDirectory -Mode '700'
        $source = New-Source 'secret-config'
        $result = Copy-SentinelItem $source "$private/app.key" -ToSession $session -Sudo -Mode 0600 -Owner root -Group root
        $result.Action | Should -Be 'Copied'
        & stat -c '%a %U %G' "$private/app.key" | Should -Be '600 root root'
        Get-Content "$private/app.key" -Raw | Should -Be 'secret-config'
        (Copy-SentinelItem $source "$private/app.key" -ToSession $session -Sudo).Action | Should -Be 'Unchanged'
        @(Get-ChildItem $private -Force).Name | Should -Be 'app.key' -Because 'no temporary file is left'
    }
}

Describe 'Copy-SentinelItem -Backup in a directory another user can write (issue 20 item 7)' {
    It 'never writes through a link planted at the predictable backup name' {
        $shared = New-TestDirectory -Owner root -Group $sharedGroup -Mode '2775'
        $victim = "$labHome/attack-private-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Set-Content $victim 'the login user''s own secret'
        & chown "$($lab.UserName):$($lab.UserName)" $victim
        & chmod 600 $victim
        Set-Content "$shared/app.conf" 'old'
        & chown "$($lab.UserName):$sharedGroup" "$shared/app.conf"
        # The other user plants a link at every backup name of the next 20 seconds (UTC, to the millisecond).
        $start = [DateTime]::UtcNow
        $plant = "import os, datetime`nstart = datetime.datetime.strptime('$($start.ToString('yyyy-MM-ddTHH:mm:ss.fff'))', '%Y-%m-%dT%H:%M:%S.%f')`nfor ms in range(20000):`n    t = start + datetime.timedelta(milliseconds=ms)`n    os.symlink('$victim', '$shared/app.conf.' + t.strftime('%Y%m%dT%H%M%S') + '%03dZ.bak' % (t.microsecond // 1000))"
        & runuser -u $other -- /usr/bin/python3 -c $plant
        $LASTEXITCODE | Should -Be 0

        $result = Copy-SentinelItem (New-Source 'new') "$shared/app.conf" -ToSession $session -Force -Backup
        $result.Action | Should -Be 'Copied'
        ([DateTime]::UtcNow - $start).TotalSeconds | Should -BeLessThan 20 -Because 'the backup name fell among the planted ones'
        Get-Content $victim | Should -Be 'the login user''s own secret'
        & stat -c '%a' $victim | Should -Be '600'
        (Get-Item $result.BackupPath).LinkType | Should -BeNullOrEmpty -Because 'the planted link was replaced by the backup'
        Get-Content $result.BackupPath | Should -Be 'old'
        Get-Content "$shared/app.conf" -Raw | Should -Be 'new'
    }
}

Describe 'Copy-SentinelItem without -Sudo keeps what the help promises (issue 20 item 10)' {
    It 'keeps the replaced file''s group, one the login user is in' {
        $shared = New-TestDirectory -Owner root -Group $sharedGroup -Mode '2775'
        Set-Content "$shared/group.conf" 'old'
        & chown "$($lab.UserName):$sharedGroup" "$shared/group.conf"
        & chmod 640 "$shared/group.conf"
        # setgid on the directory would hand the group down anyway: clear it to see the copy keep it.
        & chmod g-s $shared
        (Copy-SentinelItem (New-Source 'new') "$shared/group.conf" -ToSession $session -Force).Action | Should -Be 'Copied'
        & stat -c '%a %U %G' "$shared/group.conf" | Should -Be "640 $($lab.UserName) $sharedGroup"
    }

    It 'says in a warning when the replaced file''s owner cannot be kept' {
        $dir = "$labHome/attack-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory $dir | Out-Null
        & chown "$($lab.UserName):$($lab.UserName)" $dir
        Set-Content "$dir/root.conf" 'old'
        $result = Copy-SentinelItem (New-Source 'new') "$dir/root.conf" -ToSession $session -Force -WarningVariable warned -WarningAction SilentlyContinue
        $result.Action | Should -Be 'Copied'
        "$warned" | Should -BeLike '*root.conf*belonged to user id 0*'
    }

    It 'keeps {} one word inside the user''s own quotes in -Validate' {
        $dir = "$labHome/attack-with space-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        New-Item -ItemType Directory $dir | Out-Null
        & chown "$($lab.UserName):$($lab.UserName)" $dir
        $result = Copy-SentinelItem (New-Source 'non-empty') "$dir/checked.conf" -ToSession $session -Validate "test -s '{}'"
        $result.Action | Should -Be 'Copied'
    }
}

Describe 'The sudoers rule in Copy-SentinelItem''s help (issue 20 item 6)' {
    BeforeAll {
        $help = Get-Content (Join-Path $RepoRoot 'docs/en-US/Copy-SentinelItem.md') -Raw
        $rule = [regex]::Match($help, '(?ms)^```sudoers\r?\n(.*?)\r?\n```').Groups[1].Value
        $ruleUser = $lab.NoPasswordRuleUserName
        $ruleFile = '/etc/sudoers.d/sentinel-lab-help-rule'
        $candidate = "$ruleFile.new"
        Set-Content $candidate ($rule -replace '\bdeploy\b', $ruleUser)
        & chmod 440 $candidate
        & visudo -cqf $candidate
        $LASTEXITCODE | Should -Be 0 -Because 'the rule in the help is valid sudoers'
        Move-Item $candidate $ruleFile -Force
        New-Item -ItemType Directory /etc/nginx -Force | Out-Null
        function Test-Allowed { param([string[]]$Command) & sudo -l -U $ruleUser @Command *> $null; $LASTEXITCODE -eq 0 }
    }

    AfterAll { Remove-Item $ruleFile -Force -ErrorAction SilentlyContinue }

    It 'is found in the help' { $rule | Should -Match 'install' }

    It 'allows the commands a copy into /etc/nginx runs' {
        Test-Allowed '/usr/bin/install', '-m', '0640', '-o', '0', '-g', '0', '--', '/tmp/tmp.AbCdEfGhIj/0', '/etc/nginx/.nginx.conf.sentinel-0123456789ab.tmp' | Should -BeTrue
        Test-Allowed '/usr/bin/mv', '-f', '-T', '--', '/etc/nginx/.nginx.conf.sentinel-0123456789ab.tmp', '/etc/nginx/nginx.conf' | Should -BeTrue
    }

    It 'is no root shell: <Name>' -ForEach @(
        @{ Name = 'a setuid copy through ..'; Command = '/usr/bin/install', '-m', '4755', '--', '/tmp/x/sh', '/etc/nginx/../../usr/local/bin/rootsh' }
        @{ Name = '.. with a plain mode'; Command = '/usr/bin/install', '-m', '0640', '--', '/tmp/tmp.AbCdEfGhIj/0', '/etc/nginx/../sudoers.d/.x.sentinel-0123456789ab.tmp' }
        @{ Name = 'a world-readable copy'; Command = '/usr/bin/install', '-m', '0644', '--', '/tmp/tmp.AbCdEfGhIj/0', '/etc/nginx/.x.sentinel-0123456789ab.tmp' }
        @{ Name = 'a copy the user owns'; Command = '/usr/bin/install', '-m', '0600', '-o', 'sentinel', '--', '/tmp/tmp.AbCdEfGhIj/0', '/etc/nginx/.x.sentinel-0123456789ab.tmp' }
        @{ Name = 'a rename out of /etc/nginx'; Command = '/usr/bin/mv', '-f', '-T', '--', '/etc/nginx/.x.sentinel-0123456789ab.tmp', '/etc/nginx/../sudoers.d/x' }
        @{ Name = 'a rename with spaces'; Command = '/usr/bin/mv', '-f', '-T', '--', '/etc/nginx/.x.sentinel-0123456789ab.tmp /etc/shadow', '/etc/nginx/x' }
        @{ Name = 'removing outside'; Command = '/usr/bin/rm', '-f', '--', '/etc/nginx/.x.sentinel-0123456789ab.tmp', '/etc/shadow' }
        @{ Name = 'a hard link out'; Command = '/usr/bin/ln', '-T', '--', '/etc/shadow', '/etc/nginx/nginx.conf.20260101T000000000Z.bak' }
    ) {
        Test-Allowed $Command | Should -BeFalse
    }

    It 'lets Copy-SentinelItem -Sudo put a file into /etc/nginx with nothing more' {
        $ruleSession = Connect-SentinelServer -ComputerName $lab.ComputerName -Port $lab.Port -UserName $ruleUser -KeyFile $lab.KeyPath -KnownHostsFile $knownHosts
        try {
            $name = "sentinel-rule-$([guid]::NewGuid().ToString('N').Substring(0, 8)).conf"
            $result = Copy-SentinelItem (New-Source 'events {}') "/etc/nginx/$name" -ToSession $ruleSession -Sudo -Mode 0640 -Owner 0 -Group 0
            $result.Action | Should -Be 'Copied'
            & stat -c '%a %U' "/etc/nginx/$name" | Should -Be '640 root'
        }
        finally {
            Disconnect-SentinelServer -Session $ruleSession
            Remove-Item "/etc/nginx/sentinel-rule-*.conf" -Force -ErrorAction SilentlyContinue
        }
    }
}
