# English texts, in Fluent (https://projectfluent.org). Values are HTML, the bot's parse mode;
# every { $placeholder } that holds text is HTML-escaped by the translator before it gets here,
# so user text cannot break the markup. Numbers stay numbers, so a selector on one picks the
# plural form (one, other; Russian: one, few, many). A $kind is one of: image, video, song.

start_new =
    👋 Hi, { $name }! I turn one line of text into a picture, a video or a song.

    You have <b>{ $balance }</b> { $balance ->
        [one] credit
       *[other] credits
    } to start with.

    { $usage }
start_back =
    👋 Welcome back, { $name }! Your balance: <b>{ $balance }</b> { $balance ->
        [one] credit
       *[other] credits
    }.

    { $usage }
usage =
    <b>How to use me</b>
    /image <i>prompt</i> — a picture (from { $image_price } cr)
    /video <i>prompt</i> — a short video (from { $video_price } cr)
    /song <i>prompt</i> — a song, usually two versions ({ $song_price } cr)
    /settings — your model and options for /image, /video, /song
    📷 A photo with <code>/image what to change</code> (or <code>/video</code>) as its caption, or the command as a reply to a photo — an edited picture or a video made from it
    /prices — every model, its own command and its options
    /balance — your credits
    /history — your results, to send again; share them in any chat by typing my @username
    /cancel — stop requests still waiting in my queue (refunded at once)
    /invite — your invite link
    /promo <i>code</i> — redeem a promo code
    /language — Русский / English

    Example: <code>/image a red fox in the snow --ar 16:9</code>
help =
    { $usage }

    Results arrive in this chat as a reply to your command. If a generation fails, its credits come back automatically.
balance = { $balance } { $balance ->
        [one] credit
       *[other] credits
    } left.

prompt_missing = Tell me what to make, e.g. <code>/{ $command } { $example }</code> ({ $price } { $price ->
        [one] credit
       *[other] credits
    }). Nothing was charged.
example_image = a red fox in the snow
example_video = waves at sunset, drone shot
example_song = a cheerful song about coffee
prompt_too_long = That prompt is { $length } characters; { $model } takes at most { $limit }. Please shorten it. Nothing was charged.
picture_needed = { $model } works from a picture: send a photo with <code>/{ $command } what to change</code> as its caption, or reply to a photo with it. Nothing was charged.
picture_not_taken = { $model } cannot start from a picture: send <code>/{ $command }</code> with words alone. Nothing was charged.
picture_too_large = This picture is { $size }; the largest I take is { $limit }. Please send a smaller one. Nothing was charged.
insufficient = This costs { $price } { $price ->
        [one] credit
       *[other] credits
    } and you have { $balance }. Nothing was charged.
option_unknown = { $model } has no option --{ $option }. Its options: { $options }. Nothing was charged.
option_choices = { $model }: --{ $option } ({ $label }) can be { $choices }. Nothing was charged.
group_cap_reached = This group has used its { $cap } { $cap ->
        [one] credit
       *[other] credits
    } for today (this request costs { $price }); the limit resets at midnight UTC. Nothing was charged.
internal_error = ⚠️ Something went wrong on our side. If this request took credits, they are returned automatically.
button_stale = This button no longer works. Please send the command again.

# Buttons under a result (short: button labels and button answers).
button_again = 🔁 Again · { $price } cr
button_animate = 🎬 Animate · { $price } cr
result_button_started = Started: { $price } { $price ->
        [one] credit
       *[other] credits
    }.
result_button_used = This button has already started a request.
result_model_gone = This model is no longer offered. Nothing was charged.
result_expired = This result can no longer be animated: its file is gone. Nothing was charged.
result_price_changed = The price has changed: it is now { $price } { $price ->
        [one] credit
       *[other] credits
    }. Nothing was charged.
anonymous_sender = I can only serve personal accounts: please send this from your own account, not anonymously or as a channel.

status_queued = ⏳ Sending your { $kind ->
        [image] picture
        [video] video
       *[song] song
    } request to { $model }… ({ $price } { $price ->
        [one] credit
       *[other] credits
    } charged, { $balance } left)
status_waiting = ⏳ Many requests right now: your { $kind ->
        [image] picture
        [video] video
       *[song] song
    } request is in the queue and goes to { $model } in a moment.
status_running = 🎨 { $model } is working on your { $kind ->
        [image] picture. This usually takes under a minute
        [video] video. This usually takes a few minutes
       *[song] song. This usually takes two or three minutes
    }; I'll send it here.
status_done = ✅ Done: your { $kind ->
        [image] picture is
        [video] video is
       *[song] song is
    } above. { $price } { $price ->
        [one] credit
       *[other] credits
    } spent.
status_failed =
    ❌ { $reason }
    Your { $price } { $price ->
        [one] credit was
       *[other] credits were
    } returned (balance: { $balance }).

menu_image = A picture from a prompt
menu_video = A short video from a prompt
menu_song = A song from a prompt
menu_settings = Your model and options per kind
menu_prices = Models, options and prices
menu_balance = Your credits
menu_buy = Buy credits with Telegram Stars
menu_invite = Invite friends
menu_promo = Redeem a promo code
menu_help = How to use the bot
menu_language = Language: Русский / English
menu_history = Your recent generations
menu_cancel = Cancel requests not sent yet

reason_rejected = The model refused this request.
reason_generation_failed = The generation failed on the provider's side.
# Kie's own words, quoted as they came (they are in English whatever the user's language).
reason_detail = The provider says: <i>{ $detail }</i>
reason_busy = The generation service is busy right now. Please try again in a few minutes.
reason_unavailable = The generation service is unavailable right now. Please try again later.
reason_timeout = The generation took too long and was stopped.
reason_interrupted = The bot restarted before your request could be sent. Please send it again.
reason_undeliverable = The result could not be delivered to this chat.
reason_no_picture = The picture this request starts from could not be fetched from Telegram any more.
reason_operator_refund = The operator stopped this request.
reason_cancelled = Cancelled at your request.

# -- the bot's queue: /cancel and the Cancel button ------------------------------------
button_cancel = ✖️ Cancel
status_cancelled = 🚫 Cancelled: your { $kind ->
        [image] picture
        [video] video
       *[song] song
    } request was not sent. { $price } { $price ->
        [one] credit was
       *[other] credits were
    } returned (balance: { $balance }).
cancel_done = 🚫 Cancelled { $count } { $count ->
        [one] request
       *[other] requests
    } not sent yet; { $credits } { $credits ->
        [one] credit
       *[other] credits
    } returned (balance: { $balance }).
cancel_running = ⏳ { $count ->
        [one] One request is already with the generation service and cannot be stopped; its result will
       *[other] { $count } requests are already with the generation service and cannot be stopped; their results will
    } still arrive here.
cancel_nothing = You have no requests waiting or running in this chat.
cancel_button_done = Cancelled: { $credits } { $credits ->
        [one] credit
       *[other] credits
    } returned.
cancel_button_sent = Already sent to the generation service: it cannot be stopped, and the result will still arrive.
cancel_not_yours = Only the person who made this request can cancel it.

# -- /history ----------------------------------------------------------------------------
history_title = 🗂 <b>Your generations</b> ({ $total } in all, page { $page } of { $pages })
history_title_group = 🗂 <b>Your generations in this group</b> ({ $total } in all, page { $page } of { $pages })
history_entry =
    <b>{ $number }.</b> { $icon } <i>{ $prompt }</i>
    { $model } · { $price } { $price ->
        [one] credit
       *[other] credits
    } · { $outcome } · { $date }
history_done = ✅ delivered
history_failed = ↩️ failed, credits returned
history_cancelled = 🚫 cancelled, credits returned
history_running = ⏳ in progress
history_empty = You have no generations yet. Try <code>/image a red fox in the snow</code>.
history_empty_group = You have made no generations in this group yet.
history_resend = 📤 Send #{ $number }
history_newer = ◀️ Newer
history_older = Older ▶️
history_not_yours = This is someone else's: send /history for yours.
history_resend_failed = Telegram would not send this file again. Sorry!

# -- inline mode -------------------------------------------------------------------------
inline_none = No results to share yet: open the bot to make one
inline_nothing_matches = Nothing matches: open the bot

prices =
    💰 <b>Prices</b>, in credits

    { $list }

    Options go after the prompt, e.g. <code>/kling waves at sunset --ar 9:16 --dur 10</code>; without them you get your /settings (else the first choice, at the listed price). Nothing is charged for a failed generation.
    Your balance: <b>{ $balance }</b> { $balance ->
        [one] credit
       *[other] credits
    }.
prices_section = { $icon } <b>{ $kind ->
        [image] Pictures
        [video] Videos
       *[song] Songs
    }</b>
option_label = { $key ->
        [aspect_ratio] Aspect ratio
        [resolution] Resolution
        [quality] Quality
        [duration] Duration, s
        [instrumental] Instrumental
       *[other] { $label }
    }
prices_line = { $commands } — { $name }: <b>{ $price }</b>
prices_line_extras = { $commands } — { $name }: <b>{ $price }</b> ({ $extras })
prices_photo_switch = 📷 With a photo, /{ $command } runs { $name }.
prices_photo_legend = 📷 takes a photo: send it with the command as its caption, or reply to a photo with the command.

# --- /settings (a model and option choices per kind) and confirmation above CONFIRM_ABOVE.
# Button labels and button answers are plain text: no HTML there.

settings_kinds = ⚙️ <b>Settings</b>: what /image, /video and /song make, and with which options. Options you type after the prompt still win for that request. Choose a kind:
settings_kind_button = { $kind ->
        [image] 🖼 Pictures
        [video] 🎬 Videos
       *[song] 🎵 Songs
    }
settings_screen =
    ⚙️ <b>{ $kind ->
        [image] Pictures
        [video] Videos
       *[song] Songs
    }</b>: /{ $kind } makes them with <b>{ $model }</b>
    { $options }
    { $photo }
    Price: <b>{ $price }</b> { $price ->
        [one] credit
       *[other] credits
    } a request.
settings_option_line = • { $label }: <b>{ $choice }</b>
settings_no_options = This model has no options.
settings_photo = 📷 With a photo: { $model }
settings_no_photo = 📷 This model cannot start from a photo.
settings_model_button = 🤖 Model: { $model }
settings_option_button = { $label }: { $choice }
settings_reset_button = ↩️ Reset to defaults
settings_back_button = ⬅️ Back
settings_reset_done = Back to the defaults.
settings_not_yours = These are someone else's settings: send /settings for your own.
settings_models =
    Choose the model for { $kind ->
        [image] pictures
        [video] videos
       *[song] songs
    }; prices are with your current options.
    📷 also works from a photo: send it with the command as its caption, or reply to it.
settings_model_choice = { $model } — { $price } { $price ->
        [one] credit
       *[other] credits
    }
settings_choices = { $model } — { $label }:
settings_choice = { $choice ->
        [true] yes
        [false] no
        [auto] auto
        [basic] basic
        [medium] medium
        [high] high
       *[other] { $choice }
    }
settings_choice_extra = { $choice } (+{ $extra })

confirm_ask = 💳 This { $kind ->
        [image] picture
        [video] video
       *[song] song
    } from { $model } costs <b>{ $price }</b> { $price ->
        [one] credit
       *[other] credits
    } (you have { $balance }). Nothing is charged until you confirm; the buttons work for { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }.
confirm_button = ✅ Confirm — { $price } { $price ->
        [one] credit
       *[other] credits
    }
confirm_cancel_button = ✖️ Cancel
confirm_cancelled = ✖️ Cancelled. Nothing was charged.
confirm_expired = This request has expired: please send it again. Nothing was charged.
confirm_expired_text = ⌛ This request has expired; nothing was charged. Send it again if you still want it.
confirm_already_confirmed = This request is already confirmed.
confirm_already_cancelled = This request was cancelled. Send it again if you want it.
confirm_not_yours = Only the person who sent this request can confirm or cancel it.

language_choose = Choose the language I speak to you in:
language_set = Done: I'll speak English from now on.

group_intro =
    👋 Hi! I'm @{ $bot }. Anyone here can ask me for a picture, a video or a song, e.g. <code>/image a lighthouse in a storm</code> ({ $image_price } { $image_price ->
        [one] credit
       *[other] credits
    }).
    Each request is paid from the credits of whoever sends it, and the result comes back here as a reply. /prices lists every model. I only see commands, not your conversation.
group_not_allowed = Sorry, this bot is not available in this group. Goodbye!

caption = { $icon } <i>{ $prompt }</i>
caption_song =
    🎵 <b>{ $title }</b>
    <i>{ $prompt }</i>
result_link =
    { $icon } Your { $kind ->
        [image] picture
        [video] video
       *[song] song
    } is too large for Telegram, download it here (the link works for a limited time):
    { $url }

banned_notice = You can no longer use this bot.
refund_by_operator = ↩️ The operator returned the { $price } { $price ->
        [one] credit
       *[other] credits
    } for your { $kind ->
        [image] picture
        [video] video
       *[song] song
    }. Your balance: { $balance } { $balance ->
        [one] credit
       *[other] credits
    }.

## Admin
## Texts for the operator (ADMIN_IDS).

admin_usage_grant = Usage: <code>/grant &lt;user&gt; &lt;amount&gt;</code>, or reply to the user's message with <code>/grant &lt;amount&gt;</code>. The user is an id or a @username; a negative amount takes credits (never below zero).
admin_usage_ban = Usage: <code>/ban &lt;user&gt;</code> (an id or a @username), or reply to the user's message with <code>/ban</code>.
admin_usage_unban = Usage: <code>/unban &lt;user&gt;</code> (an id or a @username), or reply to the user's message with <code>/unban</code>.
admin_usage_user = Usage: <code>/user &lt;user&gt;</code> (an id or a @username), or reply to the user's message with <code>/user</code>.
admin_usage_refund = Usage: <code>/refund &lt;task id&gt;</code> (the number shown by /user).
admin_usage_broadcast = Usage: <code>/broadcast &lt;text&gt;</code>. The text goes to every user who has not blocked the bot, with the formatting you give it in Telegram.
admin_bad_user = “{ $value }” is not a user: give a numeric id or a @username. Nothing was changed.
admin_unknown_user = I don't know the user { $user }: they have never written to me. Nothing was changed.
admin_ambiguous_user = Several users have been known as { $user } (ids { $ids }); please use the id. Nothing was changed.
admin_bad_amount = “{ $value }” is not a whole number of credits. Nothing was changed.
admin_amount_too_big = At most { $limit } credits can be granted or taken at once. Nothing was changed.
admin_amount_zero = An amount of 0 changes nothing; give a positive amount to add or a negative one to take.
admin_bad_task = “{ $value }” is not a task id. Nothing was changed.
admin_unknown_task = There is no task #{ $task_id }. Nothing was changed.
admin_already_refunded = Task #{ $task_id } was already refunded. Nothing was changed.
admin_grant_added = ✅ Added { $amount } { $amount ->
        [one] credit
       *[other] credits
    } to { $user }. Their balance: { $balance }.
admin_grant_taken = ✅ Took { $amount } { $amount ->
        [one] credit
       *[other] credits
    } from { $user }. Their balance: { $balance }.
admin_grant_clamped = ✅ Took { $amount } { $amount ->
        [one] credit
       *[other] credits
    } from { $user }: all they had (you asked for { $asked }). Their balance: { $balance }.
admin_grant_nothing = { $user } has no credits: nothing was taken.
admin_grant_repeated = This /grant was already applied ({ $delta } for { $user }); nothing was changed again. Their balance: { $balance }.
admin_ban_admin = { $user } is an admin and cannot be banned.
admin_already_banned = { $user } is already banned.
admin_not_banned = { $user } is not banned.
admin_banned = 🚫 { $user } is banned: their commands are ignored and cost nothing. They are told once. /unban undoes it.
admin_unbanned = ✅ { $user } is no longer banned.
admin_refund_cancelled = ↩️ Task #{ $task_id } was still running: it is stopped and its { $price } { $price ->
        [one] credit is
       *[other] credits are
    } back with user { $user_id } (balance { $balance }). They were told.
admin_refund_done = ↩️ Task #{ $task_id } was delivered; its { $price } { $price ->
        [one] credit is
       *[other] credits are
    } back with user { $user_id } anyway (balance { $balance }). They were told.
admin_user =
    👤 <b>{ $user }</b>
    Balance: <b>{ $balance }</b> { $balance ->
        [one] credit
       *[other] credits
    }
    Banned: { $banned }
    Blocked the bot: { $blocked }
    Joined { $joined } ago, last seen { $seen } ago
    <b>Last tasks</b> (id · kind · model · state · price · age):
    { $tasks }
admin_user_task = #{ $id } · { $kind ->
        [image] picture
        [video] video
       *[song] song
    } · { $model } · { $state } · { $price } cr · { $age }
admin_task_state = { $state ->
    [pending] pending
    [running] running
    [delivering] delivering
    [done] done
   *[failed] failed
    }
age = { $n }{ $unit }
admin_task_refunded = { $state }, refunded
admin_banned_since = yes, for { $age } (by { $by })
admin_blocked_since = yes, for { $age }
admin_no = no
admin_none = none
admin_unavailable = unavailable
admin_stats =
    📊 <b>Statistics</b> (today: since 00:00 UTC)
    <b>Users:</b> { $users } in total, { $active } active today, { $banned } banned, { $blocked } blocked the bot
    <b>Generations today:</b>
    { $today }
    <b>Generations in total:</b>
    { $total }
    <b>Credits spent</b> (charged minus refunded): { $spent_today } today, { $spent_total } in total
    <b>Credits refunded:</b> { $refunded_today } today, { $refunded_total } in total
    <b>In flight now:</b> { $in_flight }
    <b>Stars received:</b> ⭐ { $stars_today } today, ⭐ { $stars_total } in total
    <b>Stars refunded:</b> ⭐ { $stars_refunded_today } today, ⭐ { $stars_refunded_total } in total
    <b>Top-ups:</b> { $topups_today } today, { $topups_total } in total, by { $payers } paying { $payers ->
        [one] user
       *[other] users
    }
    <b>Kie balance:</b> { $kie }
admin_stats_kind = • { $kind ->
        [image] Pictures
        [video] Videos
       *[song] Songs
    }: { $total } ({ $done } done, { $failed } failed, { $in_flight } in flight)
admin_broadcast_progress = 📣 Broadcasting… { $done } of { $total }: { $sent } sent, { $blocked } blocked the bot, { $failed } failed.
admin_broadcast_done = 📣 Broadcast finished: { $sent } sent, { $blocked } blocked the bot, { $failed } failed (of { $total }).
admin_broadcast_stopped = 📣 Broadcast stopped early (a shutdown or an error) after { $done } of { $total }: { $sent } sent, { $blocked } blocked the bot, { $failed } failed. The rest was not sent.
admin_broadcast_busy = A broadcast is already running; wait for its final count.
admin_kie_low_balance = ⚠️ The Kie account is running low: { $balance } credits left (alert threshold { $threshold }). Top it up, or generations will start failing.

whoami_private = Your Telegram id: <code>{ $user_id }</code>
whoami_group =
    Your Telegram id: <code>{ $user_id }</code>
    This group's id ({ $title }): <code>{ $chat_id }</code>
size_kb = { $n } KB
size_mb = { $n } MB
admin_backup_caption = 🗄 Database snapshot, { $size }, taken { $time } UTC. To restore it: stop the bot, replace the database file with this one, delete the <code>-wal</code> and <code>-shm</code> files next to it, start the bot.
admin_backup_too_large =
    The database is { $size }, over Telegram's { $limit } upload limit for bots, so it cannot be sent here. Make the backup on the server instead; it is safe while the bot runs:
    <code>{ $command }</code>
    (The Docker image has no sqlite3 program: the README's “Running in production” gives the same backup with Python.)


# --- payments (Telegram Stars). Button labels, invoice texts and checkout errors are plain text: no HTML there.

buy_button = 💳 Buy credits
buy_pack_button = ⭐ { $stars } — { $credits } { $credits ->
        [one] credit
       *[other] credits
    }
buy_packs = Choose a pack. You pay in Telegram Stars, and the credits are added as soon as the payment goes through. Terms: /terms
buy_none = Credits are not on sale at the moment.
invoice_title = { $credits } { $credits ->
        [one] credit
       *[other] credits
    }
invoice_description = { $bonus ->
        [0] { $credits } { $credits ->
            [one] credit
           *[other] credits
        } for pictures, videos and songs.
       *[other] { $credits } { $credits ->
            [one] credit
           *[other] credits
        } plus { $bonus } bonus, { $total } in all, for pictures, videos and songs.
    }
invoice_label = { $credits } { $credits ->
        [one] credit
       *[other] credits
    }
checkout_invalid = This invoice is not valid. Please send /buy and choose a pack again.
checkout_pack_changed = This pack has changed or is no longer sold. Please send /buy to see the current prices.
checkout_wrong_payer = This invoice was made for someone else. Send /buy to get your own.
checkout_banned = Purchases are not available for this account.
checkout_unknown_user = Please send /start to the bot first, then /buy.
checkout_failed = Something went wrong on our side. Nothing was charged; please try again in a minute.
payment_receipt =
    ✅ Payment received: ⭐ { $stars }.
    <b>{ $credits }</b> { $credits ->
        [one] credit was
       *[other] credits were
    } added. Balance: <b>{ $balance }</b> { $balance ->
        [one] credit
       *[other] credits
    }.
    Receipt: <code>{ $charge_id }</code> (quote it to /paysupport if you need help).
payment_problem = ⚠️ Your payment arrived, but I could not match it to a pack. Please send /paysupport with this code: <code>{ $charge_id }</code>. You will get the credits or your Stars back.
payment_refunded =
    ↩️ ⭐ { $stars } were refunded to you. { $taken } { $taken ->
        [one] credit
       *[other] credits
    } of that purchase { $taken ->
        [one] was
       *[other] were
    } taken back ({ $spent } already spent). Balance: { $balance } { $balance ->
        [one] credit
       *[other] credits
    }.
paysupport =
    <b>Help with payments</b>
    Write to the bot's operator and quote the receipt code from the payment message (it starts with <code>stx</code>). Tell us what went wrong.
    Refunds: a purchase can be refunded in full in Stars; the credits left from it are taken back, and credits already spent on generations count as used. Failed generations never need a refund: their credits come back automatically.
    The full terms: /terms
terms =
    <b>Terms of purchase</b>
    • Credits are bought with Telegram Stars and used only in this bot, for pictures, videos and songs. They do not expire and cannot be exchanged for money.
    • A generation that fails gives its credits back automatically.
    • A purchase can be refunded in Stars on request through /paysupport. The credits left from it are taken back; credits already spent are not returned.
    • Prices are shown before you pay (/buy) and may change; a pack you have paid for is always credited in full.
    • Results are made by third-party AI models; we cannot promise that a result will match what you imagined.
admin_usage_refundstars = Usage: <code>/refundstars &lt;charge id&gt;</code> (the receipt code the buyer got, starting with <code>stx</code>).
admin_refundstars_done =
    ↩️ ⭐ { $stars } refunded to user { $user_id }. Took back { $taken } { $taken ->
        [one] credit
       *[other] credits
    }; they had already spent { $spent }. Their balance: { $balance }.
admin_refundstars_unknown = No payment has the charge id <code>{ $charge_id }</code>. Nothing was changed.
admin_refundstars_repeated = The payment <code>{ $charge_id }</code> (⭐ { $stars }, user { $user_id }) was refunded already. Nothing was changed.
admin_refundstars_refused = Telegram refused the refund of <code>{ $charge_id }</code>: { $detail }. Nothing was changed.


# --- referrals and promo codes

invite =
    🎁 <b>Invite friends</b>
    Your personal link: { $url }
    { $bonus ->
        [0] Share it with anyone who might like the bot.
       *[other] When someone who joined through it makes their first purchase, you get <b>{ $bonus }</b> { $bonus ->
            [one] credit
           *[other] credits
        }.
    }
    Joined through your link: <b>{ $joined }</b>; made a purchase: <b>{ $paid }</b>; you earned <b>{ $earned }</b> { $earned ->
        [one] credit
       *[other] credits
    }.
referral_rewarded = 🎉 Someone you invited just made their first purchase: you get <b>{ $bonus }</b> { $bonus ->
        [one] credit
       *[other] credits
    }. Balance: <b>{ $balance }</b>.
promo_usage = Send the code after the command, e.g. <code>/promo SPRING</code>.
promo_redeemed = ✅ Code <code>{ $code }</code> redeemed: <b>{ $credits }</b> { $credits ->
        [one] credit
       *[other] credits
    } added. Balance: <b>{ $balance }</b>.
promo_unknown = There is no promo code <code>{ $code }</code>. Check the spelling and try again.
promo_already = You have already redeemed the code <code>{ $code }</code>; each code works once per person.
promo_expired = The code <code>{ $code }</code> has expired.
promo_used_up = The code <code>{ $code }</code> has been used up: all its uses are taken.
admin_promo_usage = Usage: <code>/promo_new CODE CREDITS USES [DAYS]</code>, e.g. <code>/promo_new SPRING 20 100 7</code>: 20 credits each for the first 100 people, valid for 7 days (without DAYS: no end). A code is 3–32 letters, digits, _ or -, any case.
admin_promo_bad_code = “{ $value }” cannot be a code: use 3–32 letters, digits, _ or -. Nothing was made.
admin_promo_bad_number = “{ $value }” must be a whole number from 1 to { $limit }. Nothing was made.
admin_promo_exists = The code <code>{ $code }</code> exists already; a code is never redefined. Pick another name.
admin_promo_created = ✅ Code <code>{ $code }</code>: { $credits } { $credits ->
        [one] credit
       *[other] credits
    } each, { $uses } { $uses ->
        [one] use
       *[other] uses
    }, { $expires }. Users send <code>/promo { $code }</code>.
admin_promo_no_expiry = no expiry
admin_promo_expires_at = until { $time } UTC
admin_promo_expired_at = expired { $time } UTC
admin_promos_none = No promo codes yet. Make one with /promo_new.
admin_promos =
    🎟 <b>Promo codes</b> (newest first; code · credits · used · expiry)
    { $list }
admin_promos_line = <code>{ $code }</code> · { $credits } cr · { $uses }/{ $max } · { $expires }
