# Русские тексты в формате Fluent (https://projectfluent.org). Значения — HTML, режим разметки бота;
# каждый { $placeholder } с текстом экранируется переводчиком (Translator) ещё до того, как попадёт сюда,
# поэтому текст пользователя не может сломать разметку. Числа остаются числами, поэтому селектор по числу
# выбирает форму множественного числа (one, few, many: 1 кредит, 2 кредита, 5 кредитов). $kind — одно из: image, video, song.

start_new =
    👋 Привет, { $name }! Я превращаю одну строку текста в картинку, видео или песню.

    Для начала у вас <b>{ $balance }</b> { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.

    { $usage }
start_back =
    👋 С возвращением, { $name }! Ваш баланс: <b>{ $balance }</b> { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.

    { $usage }
usage =
    <b>Как мной пользоваться</b>
    /image <i>описание</i> — картинка (от { $image_price } { $image_price ->
        [one] кредита
        [few] кредитов
       *[many] кредитов
    })
    /video <i>описание</i> — короткое видео (от { $video_price } { $video_price ->
        [one] кредита
        [few] кредитов
       *[many] кредитов
    })
    /song <i>описание</i> — песня, обычно в двух вариантах ({ $song_price } { $song_price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    })
    /settings — ваша модель и параметры для /image, /video, /song
    📷 Фото с подписью <code>/image что изменить</code> (или <code>/video</code>) либо эта команда ответом на фото — изменённая картинка или видео из неё
    /prices — все модели, их команды и параметры
    /balance — ваши кредиты
    /history — ваши результаты, чтобы прислать их снова; поделиться ими в любом чате — наберите моё @имя
    /cancel — остановить запросы, ещё ждущие в моей очереди (кредиты вернутся сразу)
    /invite — ваша ссылка-приглашение
    /promo <i>код</i> — активировать промокод
    /language — Русский / English

    Пример: <code>/image рыжая лиса в снегу --ar 16:9</code>
help =
    { $usage }

    Результат придёт в этот чат ответом на вашу команду. Если генерация не удалась, кредиты вернутся автоматически.
balance = У вас { $balance } { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.

prompt_missing = Напишите, что создать, например: <code>/{ $command } { $example }</code> ({ $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }). Ничего не списано.
example_image = рыжая лиса в снегу
example_video = волны на закате, съёмка с дрона
example_song = весёлая песня про кофе
prompt_too_long = В описании { $length } { $length ->
        [one] символ
        [few] символа
       *[many] символов
    }, а { $model } принимает не больше { $limit }. Сократите его, пожалуйста. Ничего не списано.
picture_needed = { $model } работает по картинке: пришлите фото с подписью <code>/{ $command } что изменить</code> или ответьте этой командой на фото. Ничего не списано.
picture_not_taken = { $model } не умеет начинать с картинки: отправьте <code>/{ $command }</code> только с текстом. Ничего не списано.
picture_too_large = Эта картинка весит { $size }, а я принимаю не больше { $limit }. Пришлите, пожалуйста, картинку поменьше. Ничего не списано.
insufficient = Это стоит { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }, а у вас { $balance }. Ничего не списано.
option_unknown = У модели { $model } нет параметра --{ $option }. Её параметры: { $options }. Ничего не списано.
option_choices = { $model }: для --{ $option } ({ $label }) допустимы значения { $choices }. Ничего не списано.
group_cap_reached = Эта группа уже израсходовала дневной лимит в { $cap } { $cap ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } (этот запрос стоит { $price }); лимит обновится в полночь по UTC. Ничего не списано.
internal_error = ⚠️ Что-то пошло не так на нашей стороне. Если за этот запрос были списаны кредиты, они вернутся автоматически.
button_stale = Эта кнопка больше не работает. Отправьте команду ещё раз.

# Кнопки под результатом (коротко: надписи на кнопках и ответы на нажатия).
button_again = 🔁 Ещё раз · { $price } кр
button_animate = 🎬 Оживить · { $price } кр
result_button_started = Запущено: { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
result_button_used = Эта кнопка уже запустила запрос.
result_model_gone = Этой модели больше нет. Ничего не списано.
result_expired = Этот результат больше нельзя оживить: его файла уже нет. Ничего не списано.
result_price_changed = Цена изменилась: теперь { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Ничего не списано.
anonymous_sender = Я работаю только с личными аккаунтами: отправьте команду со своего аккаунта, а не анонимно и не от имени канала.

status_queued = ⏳ Отправляю запрос на { $kind ->
        [image] картинку
        [video] видео
       *[song] песню
    } модели { $model }… ({ $price ->
        [one] списан { $price } кредит
        [few] списано { $price } кредита
       *[many] списано { $price } кредитов
    }, на балансе { $balance })
status_waiting = ⏳ Сейчас много запросов: ваш запрос на { $kind ->
        [image] картинку
        [video] видео
       *[song] песню
    } стоит в очереди и скоро уйдёт модели { $model }.
status_running = 🎨 { $model } создаёт { $kind ->
        [image] вашу картинку. Обычно это занимает меньше минуты
        [video] ваше видео. Обычно это занимает несколько минут
       *[song] вашу песню. Обычно это занимает две-три минуты
    }. Результат пришлю сюда.
status_done = ✅ Готово: { $kind ->
        [image] ваша картинка
        [video] ваше видео
       *[song] ваша песня
    } выше. { $price ->
        [one] Потрачен { $price } кредит
        [few] Потрачено { $price } кредита
       *[many] Потрачено { $price } кредитов
    }.
status_failed =
    ❌ { $reason }
    { $price ->
        [one] Ваш { $price } кредит возвращён
        [few] Ваши { $price } кредита возвращены
       *[many] Ваши { $price } кредитов возвращены
    } (баланс: { $balance }).

menu_image = Картинка по описанию
menu_video = Короткое видео по описанию
menu_song = Песня по описанию
menu_settings = Ваша модель и параметры по видам
menu_prices = Модели, параметры и цены
menu_balance = Ваши кредиты
menu_buy = Купить кредиты за звёзды Telegram
menu_invite = Пригласить друзей
menu_promo = Активировать промокод
menu_help = Как пользоваться ботом
menu_language = Язык: Русский / English
menu_history = Ваши недавние генерации
menu_cancel = Отменить ещё не отправленные запросы

reason_rejected = Модель отклонила запрос.
reason_generation_failed = Генерация не удалась из-за сбоя на стороне провайдера.
# Слова самого Kie, как они пришли (они по-английски, на каком бы языке ни говорил пользователь).
reason_detail = Ответ сервиса (на английском): <i>{ $detail }</i>
reason_busy = Сервис генерации сейчас перегружен. Попробуйте ещё раз через несколько минут.
reason_unavailable = Сервис генерации сейчас недоступен. Попробуйте позже.
reason_timeout = Генерация заняла слишком много времени и была остановлена.
reason_interrupted = Бот перезапустился до того, как ваш запрос успел уйти. Отправьте его ещё раз.
reason_undeliverable = Не удалось доставить результат в этот чат.
reason_no_picture = Не удалось получить из Telegram картинку, с которой начинается этот запрос.
reason_operator_refund = Оператор остановил этот запрос.
reason_cancelled = Отменено по вашей просьбе.

# -- очередь бота: /cancel и кнопка «Отменить» -------------------------------------------
button_cancel = ✖️ Отменить
status_cancelled = 🚫 Отменено: запрос на { $kind ->
        [image] картинку
        [video] видео
       *[song] песню
    } не был отправлен. { $price ->
        [one] Ваш { $price } кредит возвращён
        [few] Ваши { $price } кредита возвращены
       *[many] Ваши { $price } кредитов возвращены
    } (баланс: { $balance }).
cancel_done = 🚫 { $count ->
        [one] Отменён { $count } ещё не отправленный запрос
        [few] Отменено { $count } ещё не отправленных запроса
       *[many] Отменено { $count } ещё не отправленных запросов
    }; { $credits ->
        [one] возвращён { $credits } кредит
        [few] возвращено { $credits } кредита
       *[many] возвращено { $credits } кредитов
    } (баланс: { $balance }).
cancel_running = ⏳ { $count ->
        [one] { $count } запрос уже передан сервису генерации и не может быть остановлен; его результат всё равно придёт
        [few] { $count } запроса уже переданы сервису генерации и не могут быть остановлены; их результаты всё равно придут
       *[many] { $count } запросов уже переданы сервису генерации и не могут быть остановлены; их результаты всё равно придут
    } сюда.
cancel_nothing = В этом чате у вас нет запросов, которые ждут или выполняются.
cancel_button_done = Отменено: { $credits ->
        [one] возвращён { $credits } кредит
        [few] возвращено { $credits } кредита
       *[many] возвращено { $credits } кредитов
    }.
cancel_button_sent = Запрос уже передан сервису генерации: остановить его нельзя, результат всё равно придёт.
cancel_not_yours = Отменить запрос может только тот, кто его отправил.

# -- /history ----------------------------------------------------------------------------
history_title = 🗂 <b>Ваши генерации</b> (всего { $total }, страница { $page } из { $pages })
history_title_group = 🗂 <b>Ваши генерации в этой группе</b> (всего { $total }, страница { $page } из { $pages })
history_entry =
    <b>{ $number }.</b> { $icon } <i>{ $prompt }</i>
    { $model } · { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } · { $outcome } · { $date }
history_done = ✅ доставлено
history_failed = ↩️ не удалось, кредиты возвращены
history_cancelled = 🚫 отменено, кредиты возвращены
history_running = ⏳ выполняется
history_empty = У вас пока нет генераций. Попробуйте <code>/image рыжая лиса в снегу</code>.
history_empty_group = В этой группе у вас пока нет генераций.
history_resend = 📤 Прислать №{ $number }
history_newer = ◀️ Новее
history_older = Старше ▶️
history_not_yours = Это чужое: отправьте /history, чтобы увидеть своё.
history_resend_failed = Telegram не смог прислать этот файл ещё раз. Извините!

# -- инлайн-режим ------------------------------------------------------------------------
inline_none = Пока нечем поделиться: откройте бота и создайте что-нибудь
inline_nothing_matches = Ничего не нашлось: откройте бота

prices =
    💰 <b>Цены</b> в кредитах

    { $list }

    Параметры пишутся после описания, например: <code>/kling волны на закате --ar 9:16 --dur 10</code>; без них берутся ваши /settings (а если их нет — первый вариант по указанной цене). За неудачную генерацию ничего не списывается.
    Ваш баланс: <b>{ $balance }</b> { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
prices_section = { $icon } <b>{ $kind ->
        [image] Картинки
        [video] Видео
       *[song] Песни
    }</b>
option_label = { $key ->
        [aspect_ratio] Соотношение сторон
        [resolution] Разрешение
        [quality] Качество
        [duration] Длительность, с
        [instrumental] Без вокала
       *[other] { $label }
    }
prices_line = { $commands } — { $name }: <b>{ $price }</b>
prices_line_extras = { $commands } — { $name }: <b>{ $price }</b> ({ $extras })
prices_photo_switch = 📷 С фото /{ $command } запускает { $name }.
prices_photo_legend = 📷 — работает с фото: пришлите фото с командой в подписи или ответьте командой на фото.

# --- /settings (модель и параметры по видам) и подтверждение дороже CONFIRM_ABOVE.
# Надписи на кнопках и ответы на нажатия — простой текст, без HTML.

settings_kinds = ⚙️ <b>Настройки</b>: что делают /image, /video и /song и с какими параметрами. Параметры, написанные после описания, всё равно главнее для этого запроса. Выберите вид:
settings_kind_button = { $kind ->
        [image] 🖼 Картинки
        [video] 🎬 Видео
       *[song] 🎵 Песни
    }
settings_screen =
    ⚙️ <b>{ $kind ->
        [image] Картинки
        [video] Видео
       *[song] Песни
    }</b>: /{ $kind } делает их моделью <b>{ $model }</b>
    { $options }
    { $photo }
    Цена: <b>{ $price }</b> { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } за запрос.
settings_option_line = • { $label }: <b>{ $choice }</b>
settings_no_options = У этой модели нет параметров.
settings_photo = 📷 С фото: { $model }
settings_no_photo = 📷 Эта модель не работает с фото.
settings_model_button = 🤖 Модель: { $model }
settings_option_button = { $label }: { $choice }
settings_reset_button = ↩️ Сбросить настройки
settings_back_button = ⬅️ Назад
settings_reset_done = Вернул настройки по умолчанию.
settings_not_yours = Это чужие настройки: отправьте /settings, чтобы открыть свои.
settings_models =
    Выберите модель для { $kind ->
        [image] картинок
        [video] видео
       *[song] песен
    }; цены — с вашими текущими параметрами.
    📷 — работает и с фото: пришлите его с командой в подписи или ответьте командой на фото.
settings_model_choice = { $model } — { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }
settings_choices = { $model } — { $label }:
settings_choice = { $choice ->
        [true] да
        [false] нет
        [auto] авто
        [basic] базовое
        [medium] среднее
        [high] высокое
       *[other] { $choice }
    }
settings_choice_extra = { $choice } (+{ $extra })

confirm_ask = 💳 { $kind ->
        [image] Эта картинка
        [video] Это видео
       *[song] Эта песня
    } от { $model } стоит <b>{ $price }</b> { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } (у вас { $balance }). Ничего не списывается, пока вы не подтвердите; кнопки работают { $minutes } { $minutes ->
        [one] минуту
        [few] минуты
       *[many] минут
    }.
confirm_button = ✅ Подтвердить — { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }
confirm_cancel_button = ✖️ Отменить
confirm_cancelled = ✖️ Отменено. Ничего не списано.
confirm_expired = Время на подтверждение вышло: отправьте запрос ещё раз. Ничего не списано.
confirm_expired_text = ⌛ Время на подтверждение вышло, ничего не списано. Отправьте запрос ещё раз, если он ещё нужен.
confirm_already_confirmed = Этот запрос уже подтверждён.
confirm_already_cancelled = Этот запрос отменён. Отправьте его ещё раз, если он нужен.
confirm_not_yours = Подтвердить или отменить запрос может только тот, кто его отправил.

language_choose = Выберите, на каком языке мне с вами говорить:
language_set = Готово: теперь я говорю с вами по-русски.

group_intro =
    👋 Привет! Я @{ $bot }. Любой участник этого чата может попросить у меня картинку, видео или песню, например: <code>/image маяк в шторм</code> ({ $image_price } { $image_price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }).
    Каждый запрос оплачивает тот, кто его отправил, из своих кредитов, а результат приходит сюда ответом на команду. /prices — список всех моделей. Я вижу только команды, а не вашу переписку.
group_not_allowed = К сожалению, в этой группе бот недоступен. До свидания!

caption = { $icon } <i>{ $prompt }</i>
caption_song =
    🎵 <b>{ $title }</b>
    <i>{ $prompt }</i>
result_link =
    { $icon } { $kind ->
        [image] Ваша картинка слишком большая для Telegram, скачайте её
        [video] Ваше видео слишком большое для Telegram, скачайте его
       *[song] Ваша песня слишком большая для Telegram, скачайте её
    } по ссылке (ссылка действует ограниченное время):
    { $url }

banned_notice = Вы больше не можете пользоваться этим ботом.
refund_by_operator = ↩️ Оператор вернул вам { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } за { $kind ->
        [image] картинку
        [video] видео
       *[song] песню
    }. Ваш баланс: { $balance } { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.

## Admin
## Тексты для оператора (ADMIN_IDS).

admin_usage_grant = Формат: <code>/grant &lt;пользователь&gt; &lt;сумма&gt;</code> или ответьте на сообщение пользователя командой <code>/grant &lt;сумма&gt;</code>. Пользователь — это id или @username; отрицательная сумма списывает кредиты (но не ниже нуля).
admin_usage_ban = Формат: <code>/ban &lt;пользователь&gt;</code> (id или @username) или ответьте на сообщение пользователя командой <code>/ban</code>.
admin_usage_unban = Формат: <code>/unban &lt;пользователь&gt;</code> (id или @username) или ответьте на сообщение пользователя командой <code>/unban</code>.
admin_usage_user = Формат: <code>/user &lt;пользователь&gt;</code> (id или @username) или ответьте на сообщение пользователя командой <code>/user</code>.
admin_usage_refund = Формат: <code>/refund &lt;id задачи&gt;</code> (номер, который показывает /user).
admin_usage_broadcast = Формат: <code>/broadcast &lt;текст&gt;</code>. Текст получат все пользователи, которые не заблокировали бота, с тем форматированием, которое вы зададите в Telegram.
admin_bad_user = «{ $value }» — это не пользователь: укажите числовой id или @username. Ничего не изменено.
admin_unknown_user = Пользователь { $user } мне неизвестен: он ни разу мне не писал. Ничего не изменено.
admin_ambiguous_user = Под именем { $user } известны несколько пользователей (id: { $ids }); укажите id. Ничего не изменено.
admin_bad_amount = «{ $value }» — не целое число кредитов. Ничего не изменено.
admin_amount_too_big = За один раз можно начислить или списать не больше { $limit } { $limit ->
        [one] кредита
        [few] кредитов
       *[many] кредитов
    }. Ничего не изменено.
admin_amount_zero = Сумма 0 ничего не меняет: укажите положительную сумму, чтобы начислить кредиты, или отрицательную, чтобы списать.
admin_bad_task = «{ $value }» — это не id задачи. Ничего не изменено.
admin_unknown_task = Задачи #{ $task_id } нет. Ничего не изменено.
admin_already_refunded = Кредиты за задачу #{ $task_id } уже возвращены. Ничего не изменено.
admin_grant_added = ✅ { $amount ->
        [one] Начислен { $amount } кредит
        [few] Начислено { $amount } кредита
       *[many] Начислено { $amount } кредитов
    } пользователю { $user }. Его баланс: { $balance }.
admin_grant_taken = ✅ { $amount ->
        [one] Списан { $amount } кредит
        [few] Списано { $amount } кредита
       *[many] Списано { $amount } кредитов
    } у пользователя { $user }. Его баланс: { $balance }.
admin_grant_clamped = ✅ { $amount ->
        [one] Списан { $amount } кредит
        [few] Списано { $amount } кредита
       *[many] Списано { $amount } кредитов
    } у пользователя { $user } — всё, что у него было (вы просили { $asked }). Его баланс: { $balance }.
admin_grant_nothing = У пользователя { $user } нет кредитов: ничего не списано.
admin_grant_repeated = Этот /grant уже был выполнен ({ $delta } для { $user }); повторно ничего не изменено. Его баланс: { $balance }.
admin_ban_admin = { $user } — администратор, его нельзя забанить.
admin_already_banned = Пользователь { $user } уже забанен.
admin_not_banned = Пользователь { $user } не забанен.
admin_banned = 🚫 Пользователь { $user } забанен: его команды игнорируются и ничего не стоят. Ему сообщат об этом один раз. Отменить — /unban.
admin_unbanned = ✅ Пользователь { $user } разбанен.
admin_refund_cancelled = ↩️ Задача #{ $task_id } ещё выполнялась: она остановлена, а { $price ->
        [one] { $price } кредит возвращён
        [few] { $price } кредита возвращены
       *[many] { $price } кредитов возвращены
    } пользователю { $user_id } (баланс { $balance }). Пользователь уведомлён.
admin_refund_done = ↩️ Задача #{ $task_id } уже была выполнена, но { $price ->
        [one] { $price } кредит всё равно возвращён
        [few] { $price } кредита всё равно возвращены
       *[many] { $price } кредитов всё равно возвращены
    } пользователю { $user_id } (баланс { $balance }). Пользователь уведомлён.
admin_user =
    👤 <b>{ $user }</b>
    Баланс: <b>{ $balance }</b> { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }
    Забанен: { $banned }
    Заблокировал бота: { $blocked }
    Впервые пришёл { $joined } назад, последний раз был { $seen } назад
    <b>Последние задачи</b> (id · тип · модель · статус · цена · давность):
    { $tasks }
admin_user_task = #{ $id } · { $kind ->
        [image] картинка
        [video] видео
       *[song] песня
    } · { $model } · { $state } · { $price } кр. · { $age }
admin_task_state = { $state ->
    [pending] ожидает
    [running] выполняется
    [delivering] доставляется
    [done] готово
   *[failed] ошибка
    }
age = { $n } { $unit ->
        [d] дн.
        [h] ч
        [m] мин
       *[s] с
    }
admin_task_refunded = { $state }, возврат
admin_banned_since = да, уже { $age } (забанил { $by })
admin_blocked_since = да, уже { $age }
admin_no = нет
admin_none = нет
admin_unavailable = недоступно
admin_stats =
    📊 <b>Статистика</b> (сегодня — с 00:00 UTC)
    <b>Пользователи:</b> всего { $users }, активных сегодня { $active }, забанено { $banned }, заблокировали бота { $blocked }
    <b>Генерации за сегодня:</b>
    { $today }
    <b>Генерации за всё время:</b>
    { $total }
    <b>Потрачено кредитов</b> (списано минус возвращено): сегодня { $spent_today }, всего { $spent_total }
    <b>Возвращено кредитов:</b> сегодня { $refunded_today }, всего { $refunded_total }
    <b>Выполняется сейчас:</b> { $in_flight }
    <b>Получено звёзд:</b> ⭐ { $stars_today } сегодня, ⭐ { $stars_total } всего
    <b>Возвращено звёзд:</b> ⭐ { $stars_refunded_today } сегодня, ⭐ { $stars_refunded_total } всего
    <b>Пополнения:</b> сегодня { $topups_today }, всего { $topups_total }; { $payers ->
        [one] платил { $payers } пользователь
        [few] платили { $payers } пользователя
       *[many] платили { $payers } пользователей
    }
    <b>Баланс Kie:</b> { $kie }
admin_stats_kind = • { $kind ->
        [image] Картинки
        [video] Видео
       *[song] Песни
    }: { $total } (готово: { $done }, с ошибкой: { $failed }, в работе: { $in_flight })
admin_broadcast_progress = 📣 Рассылка… { $done } из { $total }. Отправлено: { $sent }, заблокировали бота: { $blocked }, ошибок: { $failed }.
admin_broadcast_done = 📣 Рассылка завершена. Отправлено: { $sent }, заблокировали бота: { $blocked }, ошибок: { $failed } (всего { $total }).
admin_broadcast_stopped = 📣 Рассылка прервана досрочно (остановка бота или ошибка) после { $done } из { $total }. Отправлено: { $sent }, заблокировали бота: { $blocked }, ошибок: { $failed }. Остальным сообщение не отправлено.
admin_broadcast_busy = Рассылка уже идёт — дождитесь итогового отчёта.
admin_kie_low_balance = ⚠️ На аккаунте Kie заканчиваются кредиты: осталось { $balance } (порог оповещения { $threshold }). Пополните баланс, иначе генерации начнут завершаться ошибкой.

whoami_private = Ваш id в Telegram: <code>{ $user_id }</code>
whoami_group =
    Ваш id в Telegram: <code>{ $user_id }</code>
    id этой группы ({ $title }): <code>{ $chat_id }</code>
size_kb = { $n } КБ
size_mb = { $n } МБ
admin_backup_caption = 🗄 Снимок базы данных, { $size }, сделан { $time } UTC. Чтобы восстановить: остановите бота, замените файл базы этим, удалите лежащие рядом файлы <code>-wal</code> и <code>-shm</code> и запустите бота снова.
admin_backup_too_large =
    База весит { $size } — больше лимита Telegram на загрузку файлов ботами ({ $limit }), поэтому прислать её сюда нельзя. Сделайте копию на сервере — это безопасно и при работающем боте:
    <code>{ $command }</code>
    (В Docker-образе нет программы sqlite3: в README, в разделе о работе в продакшене, есть та же команда на Python.)


# --- платежи (звёзды Telegram). Кнопки, тексты счёта и ошибки оплаты — простой текст, без HTML.

buy_button = 💳 Купить кредиты
buy_pack_button = ⭐ { $stars } — { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }
buy_packs = Выберите пакет. Оплата — звёздами Telegram, кредиты начисляются сразу после оплаты. Условия: /terms
buy_none = Сейчас кредиты не продаются.
invoice_title = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }
invoice_description = { $bonus ->
        [0] { $credits } { $credits ->
            [one] кредит
            [few] кредита
           *[many] кредитов
        } на картинки, видео и песни.
       *[other] { $credits } { $credits ->
            [one] кредит
            [few] кредита
           *[many] кредитов
        } и ещё { $bonus } в подарок, всего { $total }, на картинки, видео и песни.
    }
invoice_label = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }
checkout_invalid = Этот счёт недействителен. Отправьте /buy и выберите пакет заново.
checkout_pack_changed = Этот пакет изменился или больше не продаётся. Отправьте /buy, чтобы увидеть текущие цены.
checkout_wrong_payer = Этот счёт выставлен другому человеку. Отправьте /buy, чтобы получить свой.
checkout_banned = Покупки для этой учётной записи недоступны.
checkout_unknown_user = Сначала отправьте боту /start, затем /buy.
checkout_failed = У нас что-то пошло не так. Ничего не списано; попробуйте ещё раз через минуту.
payment_receipt =
    ✅ Оплата получена: ⭐ { $stars }.
    Начислено <b>{ $credits }</b> { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Баланс: <b>{ $balance }</b> { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
    Номер платежа: <code>{ $charge_id }</code> (назовите его в /paysupport, если понадобится помощь).
payment_problem = ⚠️ Оплата пришла, но я не смог сопоставить её с пакетом. Отправьте /paysupport и укажите этот номер: <code>{ $charge_id }</code>. Вы получите либо кредиты, либо свои звёзды обратно.
payment_refunded =
    ↩️ Вам возвращено ⭐ { $stars }. Из этой покупки { $taken ->
        [one] списан { $taken } кредит
        [few] списано { $taken } кредита
       *[many] списано { $taken } кредитов
    } (уже потрачено: { $spent }). Баланс: { $balance } { $balance ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
paysupport =
    <b>Помощь с оплатой</b>
    Напишите оператору бота и укажите номер платежа из сообщения об оплате (он начинается с <code>stx</code>). Расскажите, что пошло не так.
    Возврат: покупку можно вернуть полностью звёздами; оставшиеся от неё кредиты при этом списываются, а уже потраченные на генерации считаются использованными. За неудачные генерации возврат не нужен: их кредиты возвращаются сами.
    Полные условия: /terms
terms =
    <b>Условия покупки</b>
    • Кредиты покупаются за звёзды Telegram и тратятся только в этом боте — на картинки, видео и песни. Они не сгорают и не обмениваются на деньги.
    • Если генерация не удалась, её кредиты возвращаются автоматически.
    • Покупку можно вернуть звёздами по запросу через /paysupport. Оставшиеся от неё кредиты при этом списываются; потраченные не возвращаются.
    • Цены видны до оплаты (/buy) и могут меняться; оплаченный пакет всегда начисляется полностью.
    • Результаты создают сторонние нейросети; мы не можем обещать, что результат совпадёт с вашим замыслом.
admin_usage_refundstars = Использование: <code>/refundstars &lt;номер платежа&gt;</code> (номер из чека покупателя, начинается с <code>stx</code>).
admin_refundstars_done =
    ↩️ Пользователю { $user_id } возвращено ⭐ { $stars }. { $taken ->
        [one] Списан { $taken } кредит
        [few] Списано { $taken } кредита
       *[many] Списано { $taken } кредитов
    }; уже было потрачено { $spent }. Его баланс: { $balance }.
admin_refundstars_unknown = Платежа с номером <code>{ $charge_id }</code> нет. Ничего не изменено.
admin_refundstars_repeated = Платёж <code>{ $charge_id }</code> (⭐ { $stars }, пользователь { $user_id }) уже возвращён. Ничего не изменено.
admin_refundstars_refused = Telegram отказал в возврате <code>{ $charge_id }</code>: { $detail }. Ничего не изменено.


# --- приглашения и промокоды

invite =
    🎁 <b>Пригласите друзей</b>
    Ваша личная ссылка: { $url }
    { $bonus ->
        [0] Поделитесь ею со всеми, кому может пригодиться бот.
       *[other] Когда приглашённый по ней человек впервые купит кредиты, вы получите <b>{ $bonus }</b> { $bonus ->
            [one] кредит
            [few] кредита
           *[many] кредитов
        }.
    }
    Пришли по вашей ссылке: <b>{ $joined }</b>; из них купили кредиты: <b>{ $paid }</b>; вы получили <b>{ $earned }</b> { $earned ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
referral_rewarded = 🎉 Приглашённый вами человек впервые купил кредиты: вам начислено <b>{ $bonus }</b> { $bonus ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Баланс: <b>{ $balance }</b>.
promo_usage = Напишите код после команды, например: <code>/promo SPRING</code>.
promo_redeemed = ✅ Промокод <code>{ $code }</code> активирован: { $credits ->
        [one] начислен <b>{ $credits }</b> кредит
        [few] начислено <b>{ $credits }</b> кредита
       *[many] начислено <b>{ $credits }</b> кредитов
    }. Баланс: <b>{ $balance }</b>.
promo_unknown = Промокода <code>{ $code }</code> нет. Проверьте написание и попробуйте ещё раз.
promo_already = Вы уже активировали промокод <code>{ $code }</code>; каждый код действует один раз на человека.
promo_expired = Срок действия промокода <code>{ $code }</code> истёк.
promo_used_up = Промокод <code>{ $code }</code> закончился: все его активации уже использованы.
admin_promo_usage = Формат: <code>/promo_new КОД КРЕДИТЫ АКТИВАЦИИ [ДНИ]</code>, например <code>/promo_new SPRING 20 100 7</code> — по 20 кредитов первым 100 людям, действует 7 дней (без срока — бессрочно). Код — от 3 до 32 латинских букв, цифр, _ или -, регистр не важен.
admin_promo_bad_code = «{ $value }» не годится в коды: нужны от 3 до 32 латинских букв, цифр, _ или -. Ничего не создано.
admin_promo_bad_number = «{ $value }» должно быть целым числом от 1 до { $limit }. Ничего не создано.
admin_promo_exists = Промокод <code>{ $code }</code> уже есть, а коды не переопределяются. Выберите другое название.
admin_promo_created = ✅ Промокод <code>{ $code }</code>: по { $credits } { $credits ->
        [one] кредиту
        [few] кредита
       *[many] кредитов
    }, { $uses } { $uses ->
        [one] активация
        [few] активации
       *[many] активаций
    }, { $expires }. Пользователи отправляют <code>/promo { $code }</code>.
admin_promo_no_expiry = бессрочно
admin_promo_expires_at = до { $time } UTC
admin_promo_expired_at = истёк { $time } UTC
admin_promos_none = Промокодов пока нет. Создайте первый командой /promo_new.
admin_promos =
    🎟 <b>Промокоды</b> (сначала новые; код · кредиты · активировано · срок)
    { $list }
admin_promos_line = <code>{ $code }</code> · { $credits } кр. · { $uses }/{ $max } · { $expires }
